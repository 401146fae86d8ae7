package io.github.tokenrefresh4j.event;

import java.time.ZonedDateTime;

/** A call waited for a refresh that another call had started, instead of starting its own. */
public final class CallCoalescedEvent extends AbstractTokenRefreshEvent {

    public CallCoalescedEvent(String name, ZonedDateTime creationTime) {
        super(name, creationTime);
    }

    @Override
    public Type getEventType() {
        return Type.CALL_COALESCED;
    }

    @Override
    public String toString() {
        return prefix() + " call joined a refresh in flight.";
    }
}
