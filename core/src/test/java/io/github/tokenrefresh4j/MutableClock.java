package io.github.tokenrefresh4j;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock that tests move by hand, and can put out of order (it then throws). Shared with other modules' tests
 * through the core's test-jar.
 */
public final class MutableClock extends Clock {

    private volatile Instant now;
    private volatile boolean broken;
    private volatile Error error;

    public MutableClock(Instant start) {
        this.now = start;
    }

    public void advance(Duration duration) {
        now = now.plus(duration);
    }

    /** While broken, {@link #instant()} throws, as a clock whose source fails. */
    public void broken(boolean broken) {
        this.broken = broken;
    }

    /** While set, {@link #instant()} throws this {@code Error} (a clock library that fails to load); null ends it. */
    public void brokenWith(Error error) {
        this.error = error;
    }

    @Override
    public Instant instant() {
        Error failure = error;
        if (failure != null) {
            throw failure;
        }
        if (broken) {
            throw new IllegalStateException("clock outage");
        }
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException();
    }
}
