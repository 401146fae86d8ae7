package io.github.tokenrefresh4j.stress;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;

/**
 * A refresh executor that runs nothing by itself: it keeps each task, so that a test decides which thread runs the
 * refresher and which runs a refresh timeout, and when. The decorator hands it two kinds of task: the refresher
 * (submitted by the caller that started the refresh) and the completion of a timed-out refresh (submitted by the
 * library's scheduler thread), told apart here by the submitting thread.
 */
public final class CapturingExecutor implements Executor {

    private final ConcurrentLinkedQueue<Runnable> refreshers = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Runnable> timeouts = new ConcurrentLinkedQueue<>();

    @Override
    public void execute(Runnable task) {
        if (Thread.currentThread().getName().startsWith("tokenrefresh4j-scheduler")) {
            timeouts.add(task);
        } else {
            refreshers.add(task);
        }
    }

    /** @return the oldest refresher task not yet taken; throws if there is none */
    public Runnable takeRefresher() {
        Runnable task = refreshers.poll();
        if (task == null) {
            throw new IllegalStateException("no refresher task was submitted");
        }
        return task;
    }

    /** @return the oldest timeout task, waiting for the scheduler to submit it (it fires after a nanosecond) */
    public Runnable awaitTimeout() {
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (Runnable task; ; Thread.onSpinWait()) {
            if ((task = timeouts.poll()) != null) {
                return task;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the refresh timeout did not fire within 10s");
            }
        }
    }

    /** Runs every refresher task submitted so far and since, until none is left. */
    public void drainRefreshers() {
        for (Runnable task; (task = refreshers.poll()) != null; ) {
            task.run();
        }
    }
}
