package io.github.tokenrefresh4j.event;

import java.time.Duration;
import java.time.ZonedDateTime;

/** A refresh obtained a new token. */
public final class TokenRefreshSucceededEvent extends AbstractTokenRefreshEvent {

    private final Duration elapsedDuration;
    private final boolean background;

    public TokenRefreshSucceededEvent(String name, ZonedDateTime creationTime, Duration elapsedDuration,
                                      boolean background) {
        super(name, creationTime);
        this.elapsedDuration = elapsedDuration;
        this.background = background;
    }

    @Override
    public Type getEventType() {
        return Type.REFRESH_SUCCEEDED;
    }

    /** @return how long the refresher took */
    public Duration getElapsedDuration() {
        return elapsedDuration;
    }

    /** @return true if the refresh ran ahead of expiry while calls kept using the old token */
    public boolean isBackground() {
        return background;
    }

    @Override
    public String toString() {
        return prefix() + " refresh succeeded after " + elapsedDuration.toMillis() + "ms"
            + (background ? " in the background." : ".");
    }
}
