package io.github.tokenrefresh4j.event;

import java.time.ZonedDateTime;
import java.util.Objects;

/** Common fields of the {@link TokenRefreshEvent}s. */
public abstract class AbstractTokenRefreshEvent implements TokenRefreshEvent {

    private final String name;
    private final ZonedDateTime creationTime;

    protected AbstractTokenRefreshEvent(String name, ZonedDateTime creationTime) {
        this.name = Objects.requireNonNull(name, "name must not be null");
        this.creationTime = Objects.requireNonNull(creationTime, "creationTime must not be null");
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public ZonedDateTime getCreationTime() {
        return creationTime;
    }

    /** @return the start of {@link #toString()}: time and decorator name */
    protected String prefix() {
        return creationTime + ": TokenRefresh '" + name + "'";
    }
}
