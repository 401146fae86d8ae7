package io.github.tokenrefresh4j.redis.internal;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A counter that waiters watch: read {@link #count()} before looking at shared state, then
 * {@link #awaitChange(long, long)}, so that a wake-up arriving between the look and the wait is never lost.
 */
public final class WakeUpSignal {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long count;

    /** @return the number of wake-ups so far */
    public long count() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every waiter. */
    public void signalAll() {
        lock.lock();
        try {
            count++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the count differs from {@code seen}, or {@code nanos} have passed.
     *
     * @param seen  the count read before looking at shared state
     * @param nanos the longest wait
     * @throws InterruptedException if interrupted while waiting
     */
    public void awaitChange(long seen, long nanos) throws InterruptedException {
        lock.lock();
        try {
            long remaining = nanos;
            while (count == seen && remaining > 0) {
                remaining = changed.awaitNanos(remaining);
            }
        } finally {
            lock.unlock();
        }
    }
}
