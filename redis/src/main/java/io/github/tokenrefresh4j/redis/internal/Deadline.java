package io.github.tokenrefresh4j.redis.internal;

/**
 * The one deadline of a {@code refresh()} call: every Redis command and every wait of that call shares it, so a call
 * lasts at most {@code waitTimeout} plus the delegate's own time. The delegate's time is added with
 * {@link #extendBy(long)}: it is bounded by the decorator's refresh timeout, not by this class.
 */
public final class Deadline {

    private long at;

    private Deadline(long at) {
        this.at = at;
    }

    /** @return a deadline {@code nanos} from now; a huge value saturates instead of overflowing */
    public static Deadline in(long nanos) {
        long now = System.nanoTime();
        return new Deadline(saturatedAdd(now, nanos));
    }

    /** @return the nanoseconds left, zero or more */
    public long remainingNanos() {
        return Math.max(0, at - System.nanoTime());
    }

    /** @return whether no time is left */
    public boolean passed() {
        return at - System.nanoTime() <= 0;
    }

    /** Moves the deadline {@code nanos} later: the time the delegate took. */
    public void extendBy(long nanos) {
        at = saturatedAdd(at, Math.max(0, nanos));
    }

    /** nanoTime values are compared by difference, so a span is capped well below 2^63 (about 73 years). */
    private static long saturatedAdd(long base, long nanos) {
        return base + Math.min(nanos, Long.MAX_VALUE / 4);
    }
}
