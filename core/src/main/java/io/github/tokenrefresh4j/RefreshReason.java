package io.github.tokenrefresh4j;

/**
 * Why a refresh ran, on {@link io.github.tokenrefresh4j.event.TokenRefreshSucceededEvent} and
 * {@link io.github.tokenrefresh4j.event.TokenRefreshFailedEvent}, and as the {@code reason} tag of the refresh
 * timer in the Micrometer module. It answers "why are we refreshing so much?":
 *
 * <pre>{@code
 * tokens.getEventPublisher().onRefreshSucceeded(event -> {
 *     if (event.getReason() == RefreshReason.REJECTED) {
 *         log.info("the API rejected a token before it expired");
 *     }
 * });
 * }</pre>
 */
public enum RefreshReason {
    /** The decorator had no token yet. */
    INITIAL,
    /** The token had expired when a call needed it. */
    EXPIRED,
    /** The token was close to its expiry: refreshed in the background while calls kept using it. */
    AHEAD,
    /** A call's outcome said the token was rejected. */
    REJECTED,
    /** {@link TokenRefreshDecorator#invalidate()} marked the token unusable. */
    INVALIDATED
}
