package io.github.tokenrefresh4j;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A refresher for the HTTP adapters' tests: returns "t1", "t2", ... (expiring {@code lifetime} after the clock's
 * now, when a clock is given), counts its calls, and holds the calls from a chosen one on until the test releases
 * them. Shared through the core's test-jar.
 */
public final class HoldingRefresher implements TokenRefresher {

    public final AtomicInteger calls = new AtomicInteger();
    private final Clock clock;
    private final Duration lifetime;
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch gate = new CountDownLatch(1);
    private volatile int holdFrom = Integer.MAX_VALUE;

    private HoldingRefresher(Clock clock, Duration lifetime) {
        this.clock = clock;
        this.lifetime = lifetime;
    }

    /** Tokens without a known expiry. */
    public static HoldingRefresher tokens() {
        return new HoldingRefresher(null, null);
    }

    /** Tokens that expire {@code lifetime} after {@code clock}'s now. */
    public static HoldingRefresher expiring(Clock clock, Duration lifetime) {
        return new HoldingRefresher(clock, lifetime);
    }

    /** Holds the {@code n}th call (1 for the first) and every later one until {@link #release()}. */
    public HoldingRefresher holdFrom(int n) {
        holdFrom = n;
        return this;
    }

    /** Waits until a held call has started. */
    public void awaitHeld() throws InterruptedException {
        if (!entered.await(20, TimeUnit.SECONDS)) {
            throw new AssertionError("no held refresher call started");
        }
    }

    public void release() {
        gate.countDown();
    }

    @Override
    public AccessToken refresh(AccessToken current) throws Exception {
        int n = calls.incrementAndGet();
        if (n >= holdFrom) {
            entered.countDown();
            gate.await();
        }
        return clock == null ? AccessToken.of("t" + n) : AccessToken.of("t" + n, clock.instant().plus(lifetime));
    }
}
