package io.github.tokenrefresh4j.event;

import java.time.Duration;
import java.time.ZonedDateTime;

/** A call needed a new token during the failure cooldown and failed fast without calling the refresher. */
public final class RefreshRefusedEvent extends AbstractTokenRefreshEvent {

    private final Duration remainingCooldown;

    public RefreshRefusedEvent(String name, ZonedDateTime creationTime, Duration remainingCooldown) {
        super(name, creationTime);
        this.remainingCooldown = remainingCooldown;
    }

    @Override
    public Type getEventType() {
        return Type.REFRESH_REFUSED;
    }

    /** @return how long until the next refresh is allowed */
    public Duration getRemainingCooldown() {
        return remainingCooldown;
    }

    @Override
    public String toString() {
        return prefix() + " refused a refresh; next attempt allowed in " + remainingCooldown.toMillis() + "ms.";
    }
}
