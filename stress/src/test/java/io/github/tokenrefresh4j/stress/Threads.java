package io.github.tokenrefresh4j.stress;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Virtual threads where the JDK has them (21+); the build targets 17, so they are reached by reflection. */
final class Threads {

    private Threads() {
    }

    static boolean virtualThreadsAvailable() {
        return Runtime.version().feature() >= 21;
    }

    static ExecutorService newVirtualThreadPerTaskExecutor() {
        try {
            return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("virtual threads need JDK 21 or newer", e);
        }
    }
}
