package io.github.tokenrefresh4j.internal;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.Supplier;

/**
 * Test-only access to the library's scheduler (same package, so no change to the core's API): takes the refresh
 * timeout that a call scheduled, so that a stress actor fires it at the moment it chooses.
 */
public final class TimeoutTrigger {

    private static final Object SNAPSHOT_LOCK = new Object();

    private final Runnable task;

    private TimeoutTrigger(Runnable task) {
        this.task = task;
    }

    /**
     * Runs {@code startsOneRefresh}, which must launch exactly one refresh with a long timeout, and captures that
     * refresh's timeout task.
     */
    public static <T> T capture(Supplier<T> startsOneRefresh, TimeoutTrigger[] out) {
        ScheduledThreadPoolExecutor scheduler = (ScheduledThreadPoolExecutor) RefreshExecutors.scheduler();
        synchronized (SNAPSHOT_LOCK) {
            Set<Runnable> before = new HashSet<>(scheduler.getQueue());
            T result = startsOneRefresh.get();
            Set<Runnable> added = new HashSet<>(scheduler.getQueue());
            added.removeAll(before);
            if (added.size() != 1) {
                throw new IllegalStateException("expected one new timeout task, found " + added.size());
            }
            out[0] = new TimeoutTrigger(added.iterator().next());
            return result;
        }
    }

    /** Fires the timeout now, as the scheduler would when it expires; does nothing if it was cancelled. */
    public void fire() {
        if (RefreshExecutors.scheduler() instanceof ScheduledThreadPoolExecutor
            && ((ScheduledThreadPoolExecutor) RefreshExecutors.scheduler()).remove(task)) {
            task.run();
        }
    }
}
