package io.github.tokenrefresh4j.event;

import java.time.ZonedDateTime;

/** A call's outcome said that its token was rejected. */
public final class TokenRejectedEvent extends AbstractTokenRefreshEvent {

    private final boolean stale;

    public TokenRejectedEvent(String name, ZonedDateTime creationTime, boolean stale) {
        super(name, creationTime);
        this.stale = stale;
    }

    @Override
    public Type getEventType() {
        return Type.TOKEN_REJECTED;
    }

    /**
     * @return true if the rejected token had already been replaced, so that the call retried with the current token
     *     and no refresh was started
     */
    public boolean isStale() {
        return stale;
    }

    @Override
    public String toString() {
        return prefix() + (stale ? " rejected a token that was already replaced." : " rejected the current token.");
    }
}
