package io.github.tokenrefresh4j.event;

import java.time.ZonedDateTime;

/**
 * An event of a {@link io.github.tokenrefresh4j.TokenRefreshDecorator}. Events carry no token values.
 *
 * <pre>{@code
 * decorator.getEventPublisher()
 *     .onRefreshFailed(event -> log.warn("token refresh failed: {}", event))
 *     .onTokenRejected(event -> rejections.increment());
 * }</pre>
 */
public interface TokenRefreshEvent {

    /** @return the name of the decorator that published the event */
    String getName();

    /** @return the type of the event */
    Type getEventType();

    /** @return when the event was created */
    ZonedDateTime getCreationTime();

    /** Event types. */
    enum Type {
        /** A refresh obtained a new token. */
        REFRESH_SUCCEEDED,
        /** A refresh failed or timed out. */
        REFRESH_FAILED,
        /** A call's outcome said that its token was rejected. */
        TOKEN_REJECTED,
        /** A call waited for a refresh that another call had started. */
        CALL_COALESCED,
        /** A call needed a new token during the failure cooldown and failed fast. */
        REFRESH_REFUSED
    }
}
