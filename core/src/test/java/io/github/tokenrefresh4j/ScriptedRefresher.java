package io.github.tokenrefresh4j;

import java.time.Instant;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A refresher for tests: counts its calls, records what it was given, can hold each call at a gate until the test
 * opens it, and returns tokens "t1", "t2", ... (or whatever {@link #answer} says).
 */
final class ScriptedRefresher implements TokenRefresher {

    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger maxRunning = new AtomicInteger();
    final ConcurrentLinkedQueue<AccessToken> given = new ConcurrentLinkedQueue<>();
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private volatile CountDownLatch entered = new CountDownLatch(1);
    volatile Function<Integer, AccessToken> answer = n -> AccessToken.of("t" + n);
    volatile Instant expiresAt;

    /** Holds every following refresher call until {@link #open()}. */
    ScriptedRefresher hold() {
        gate = new CountDownLatch(1);
        entered = new CountDownLatch(1);
        return this;
    }

    void open() {
        gate.countDown();
    }

    void awaitEntered() throws InterruptedException {
        if (!entered.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the refresher was not called");
        }
    }

    ScriptedRefresher failingWith(Exception failure) {
        answer = n -> {
            throw new RefresherFailure(failure);
        };
        return this;
    }

    @Override
    public AccessToken refresh(AccessToken current) throws Exception {
        int n = calls.incrementAndGet();
        if (current != null) {
            given.add(current);
        }
        int now = running.incrementAndGet();
        maxRunning.accumulateAndGet(now, Math::max);
        try {
            CountDownLatch g = gate;
            entered.countDown();
            g.await();
            try {
                AccessToken token = answer.apply(n);
                Instant expiry = expiresAt;
                return expiry == null || token == null ? token : AccessToken.of(token.value(), expiry);
            } catch (RefresherFailure f) {
                throw f.failure;
            }
        } finally {
            running.decrementAndGet();
        }
    }

    /** Carries a checked exception out of the {@link #answer} function. */
    static final class RefresherFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Exception failure;

        RefresherFailure(Exception failure) {
            super(null, null, false, false);
            this.failure = failure;
        }
    }
}
