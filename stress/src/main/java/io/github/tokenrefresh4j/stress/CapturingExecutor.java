package io.github.tokenrefresh4j.stress;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;

/**
 * A refresh executor that runs nothing by itself: it keeps each refresher task, so that a test decides which thread
 * runs the refresher, and when.
 */
public final class CapturingExecutor implements Executor {

    private final ConcurrentLinkedQueue<Runnable> refreshers = new ConcurrentLinkedQueue<>();

    @Override
    public void execute(Runnable task) {
        refreshers.add(task);
    }

    /** @return the oldest refresher task not yet taken; throws if there is none */
    public Runnable takeRefresher() {
        Runnable task = refreshers.poll();
        if (task == null) {
            throw new IllegalStateException("no refresher task was submitted");
        }
        return task;
    }

    /** Runs every refresher task submitted so far and since, until none is left. */
    public void drainRefreshers() {
        for (Runnable task; (task = refreshers.poll()) != null; ) {
            task.run();
        }
    }
}
