package io.github.tokenrefresh4j.event;

import io.github.tokenrefresh4j.RefreshReason;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Objects;

/** A refresh obtained a new token. */
public final class TokenRefreshSucceededEvent extends AbstractTokenRefreshEvent {

    private final Duration elapsedDuration;
    private final RefreshReason reason;

    public TokenRefreshSucceededEvent(String name, ZonedDateTime creationTime, Duration elapsedDuration,
                                      RefreshReason reason) {
        super(name, creationTime);
        this.elapsedDuration = elapsedDuration;
        this.reason = Objects.requireNonNull(reason, "reason must not be null");
    }

    @Override
    public Type getEventType() {
        return Type.REFRESH_SUCCEEDED;
    }

    /** @return how long the refresher took */
    public Duration getElapsedDuration() {
        return elapsedDuration;
    }

    /** @return why the refresh ran */
    public RefreshReason getReason() {
        return reason;
    }

    /** @return true if the refresh ran ahead of expiry while calls kept using the old token */
    public boolean isBackground() {
        return reason == RefreshReason.AHEAD;
    }

    @Override
    public String toString() {
        return prefix() + " refresh (" + reason + ") succeeded after " + elapsedDuration.toMillis() + "ms"
            + (isBackground() ? " in the background." : ".");
    }
}
