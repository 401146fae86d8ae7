package io.github.tokenrefresh4j.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The library's shared threads, all daemons, created on first use and ended after a while idle: a pool that runs
 * refreshers, and one scheduler thread for refresh timeouts and expiry deadlines. Scheduled tasks only swap state
 * or hand off to the pool; they never call user code on the scheduler thread.
 */
public final class RefreshExecutors {

    private RefreshExecutors() {
    }

    /** @return the default refresh executor: a cached pool whose idle threads end after 60 seconds */
    public static Executor defaultExecutor() {
        return DefaultExecutorHolder.EXECUTOR;
    }

    /** @return the default scheduler: one daemon thread, shared, ended after 10 seconds idle */
    public static ScheduledExecutorService defaultScheduler() {
        return SchedulerHolder.SCHEDULER;
    }

    private static final class DefaultExecutorHolder {
        static final Executor EXECUTOR = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), daemonThreads("tokenrefresh4j-refresher-"));
    }

    private static final class SchedulerHolder {
        static final ScheduledExecutorService SCHEDULER = newScheduler();

        private static ScheduledExecutorService newScheduler() {
            ScheduledThreadPoolExecutor scheduler =
                new ScheduledThreadPoolExecutor(1, daemonThreads("tokenrefresh4j-scheduler-"));
            scheduler.setRemoveOnCancelPolicy(true);
            // An idle library leaves no thread behind (redeploys, exec:java); while any task is pending, the
            // JDK keeps the last worker alive, so no deadline is missed.
            scheduler.setKeepAliveTime(10, TimeUnit.SECONDS);
            scheduler.allowCoreThreadTimeOut(true);
            return scheduler;
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
