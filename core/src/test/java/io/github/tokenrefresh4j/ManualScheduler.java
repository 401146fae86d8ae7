package io.github.tokenrefresh4j;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler that runs nothing by itself and has no thread: it keeps each scheduled task, so that a test decides
 * when a timeout or deadline fires, and on which thread. Shared with other modules' tests through the core's
 * test-jar.
 */
public class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {

    private final ConcurrentLinkedQueue<Task<?>> scheduled = new ConcurrentLinkedQueue<>();

    /**
     * @return the oldest scheduled task not yet taken; running it does nothing if the decorator cancelled it
     * @throws IllegalStateException if none was scheduled
     */
    public Runnable takeScheduled() {
        Task<?> task = scheduled.poll();
        if (task == null) {
            throw new IllegalStateException("no task was scheduled");
        }
        return task;
    }

    /** @return how many scheduled tasks are waiting to be taken */
    public int pending() {
        return scheduled.size();
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return add(new Task<>(command, null, unit.toNanos(delay)));
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        return add(new Task<>(callable, unit.toNanos(delay)));
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        throw new UnsupportedOperationException("the decorator schedules one-shot tasks only");
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("the decorator schedules one-shot tasks only");
    }

    @Override
    public void execute(Runnable command) {
        schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public void shutdown() {
    }

    @Override
    public List<Runnable> shutdownNow() {
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return false;
    }

    @Override
    public boolean isTerminated() {
        return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return false;
    }

    private <V> Task<V> add(Task<V> task) {
        scheduled.add(task);
        return task;
    }

    private static final class Task<V> extends FutureTask<V> implements ScheduledFuture<V> {
        private final long delayNanos;

        Task(Runnable runnable, V result, long delayNanos) {
            super(runnable, result);
            this.delayNanos = delayNanos;
        }

        Task(Callable<V> callable, long delayNanos) {
            super(callable);
            this.delayNanos = delayNanos;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(delayNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(delayNanos, other.getDelay(TimeUnit.NANOSECONDS));
        }
    }
}
