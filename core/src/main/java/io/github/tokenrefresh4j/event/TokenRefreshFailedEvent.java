package io.github.tokenrefresh4j.event;

import io.github.tokenrefresh4j.RefreshReason;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Objects;

/** A refresh failed or timed out. */
public final class TokenRefreshFailedEvent extends AbstractTokenRefreshEvent {

    private final Duration elapsedDuration;
    private final Throwable throwable;
    private final Duration cooldown;
    private final RefreshReason reason;

    public TokenRefreshFailedEvent(String name, ZonedDateTime creationTime, Duration elapsedDuration,
                                   Throwable throwable, Duration cooldown, RefreshReason reason) {
        super(name, creationTime);
        this.elapsedDuration = elapsedDuration;
        this.throwable = throwable;
        this.cooldown = cooldown;
        this.reason = Objects.requireNonNull(reason, "reason must not be null");
    }

    @Override
    public Type getEventType() {
        return Type.REFRESH_FAILED;
    }

    /** @return how long the refresh ran until it failed or timed out */
    public Duration getElapsedDuration() {
        return elapsedDuration;
    }

    /** @return what failed: the refresher's exception, or the library's for a timeout or an invalid token */
    public Throwable getThrowable() {
        return throwable;
    }

    /** @return how long calls that need a new token now fail fast */
    public Duration getCooldown() {
        return cooldown;
    }

    /** @return why the refresh ran */
    public RefreshReason getReason() {
        return reason;
    }

    /** Names the failure's type only: a refresher's message may quote a token endpoint's response. */
    @Override
    public String toString() {
        return prefix() + " refresh (" + reason + ") failed after " + elapsedDuration.toMillis() + "ms with "
            + throwable.getClass().getName() + "; cooldown " + cooldown.toMillis() + "ms.";
    }
}
