package io.github.tokenrefresh4j.stress;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Churn for {@code -Dsoak.seconds} (default 60; profile {@code soak}): tokens that live 2 seconds, a server that
 * revokes the current token every 200 ms, a token endpoint that fails 10% of the time, and callers on platform threads
 * and (on JDK 21+) virtual threads. Asserts that the refresher never runs twice at once, that no call is left
 * waiting, that at least 95% of calls succeed and every failure is a documented {@link TokenRefreshException}, that
 * the thread count does not grow, and that the heap after a full GC is stable between the first and the last third.
 * It prints its figures.
 */
@Tag("soak")
class ChurnSoakTest {

    private static final Duration TOKEN_LIFETIME = Duration.ofSeconds(2);
    private static final long HEAP_GROWTH_ALLOWED = 16L << 20;
    private static final int THREAD_GROWTH_ALLOWED = 4;

    private final Set<AccessToken> revoked = ConcurrentHashMap.newKeySet();
    private final AtomicInteger refreshersRunning = new AtomicInteger();
    private final AtomicInteger maxRefreshersRunning = new AtomicInteger();
    private final LongAdder endpointCalls = new LongAdder();
    private final LongAdder endpointFailures = new LongAdder();
    private final LongAdder calls = new LongAdder();
    private final LongAdder successes = new LongAdder();
    private final LongAdder documentedFailures = new LongAdder();
    private final Map<String, LongAdder> undocumented = new ConcurrentHashMap<>();

    @Test
    void churnKeepsEveryGuaranteeAndLeaksNothing() throws Exception {
        long seconds = Long.getLong("soak.seconds", 60);
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("soak", TokenRefreshConfig.custom()
            .refreshOnResult("401"::equals)
            .refreshAhead(Duration.ofMillis(500))
            .refreshTimeout(Duration.ofSeconds(2))
            .failureCooldown(Duration.ofMillis(20))
            .build(), current -> endpoint());
        ScheduledExecutorService revoker = Executors.newSingleThreadScheduledExecutor();
        revoker.scheduleAtFixedRate(() -> {
            AccessToken current = tokens.currentToken();
            if (current != null) {
                revoked.add(current);
            }
        }, 200, 200, TimeUnit.MILLISECONDS);

        // 8 platform threads, or 4 platform and 64 virtual threads where the JDK has them
        Map<ExecutorService, Integer> pools = new java.util.LinkedHashMap<>();
        pools.put(Executors.newFixedThreadPool(8), Threads.virtualThreadsAvailable() ? 4 : 8);
        if (Threads.virtualThreadsAvailable()) {
            pools.put(Threads.newVirtualThreadPerTaskExecutor(), 64);
        }
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        List<Future<?>> workers = new ArrayList<>();
        pools.forEach((pool, count) -> {
            for (int i = 0; i < count; i++) {
                workers.add(pool.submit(() -> work(tokens, end)));
            }
        });

        AtomicReference<long[]> firstThird = new AtomicReference<>();
        awaitUntil(start + (end - start) / 3);
        firstThird.set(new long[] {heapAfterGc(), threadCount()});
        awaitUntil(end);
        for (Future<?> worker : workers) {
            worker.get(30, TimeUnit.SECONDS);
        }
        long heapAtEnd = heapAfterGc();
        long threadsAtEnd = threadCount();
        revoker.shutdownNow();
        pools.keySet().forEach(ExecutorService::shutdownNow);

        double successRate = calls.sum() == 0 ? 0 : (double) successes.sum() / calls.sum();
        System.out.printf("soak: %ds, %d calls on %s, %.2f%% succeeded, %d documented failures, undocumented %s%n",
            seconds, calls.sum(), Threads.virtualThreadsAvailable() ? "platform and virtual threads"
                : "platform threads", successRate * 100, documentedFailures.sum(), undocumented);
        System.out.printf("soak: %d refresher calls (%d failed), %d successful and %d failed refreshes, "
                + "%d rejected tokens, %d coalesced calls, at most %d refresher(s) at once%n",
            endpointCalls.sum(), endpointFailures.sum(), tokens.getMetrics().getNumberOfSuccessfulRefreshes(),
            tokens.getMetrics().getNumberOfFailedRefreshes(), tokens.getMetrics().getNumberOfRejectedTokens(),
            tokens.getMetrics().getNumberOfCoalescedCalls(), maxRefreshersRunning.get());
        System.out.printf("soak: heap after GC %.1f MB at the first third, %.1f MB at the end; threads %d then %d; "
                + "waiting calls at the end %d%n",
            firstThird.get()[0] / 1e6, heapAtEnd / 1e6, firstThird.get()[1], threadsAtEnd,
            tokens.getMetrics().getNumberOfWaitingCalls());

        assertThat(maxRefreshersRunning).as("refresher calls at once").hasValue(1);
        assertThat(tokens.getMetrics().getNumberOfWaitingCalls()).as("waiting calls at the end").isZero();
        assertThat(undocumented).as("exceptions other than TokenRefreshException").isEmpty();
        assertThat(successRate).as("share of calls that succeeded").isGreaterThanOrEqualTo(0.95);
        assertThat(endpointFailures.sum()).as("the endpoint did fail").isPositive();
        assertThat(threadsAtEnd).as("threads").isLessThanOrEqualTo(firstThird.get()[1] + THREAD_GROWTH_ALLOWED);
        assertThat(heapAtEnd).as("heap after GC").isLessThanOrEqualTo(firstThird.get()[0] + HEAP_GROWTH_ALLOWED);
    }

    private AccessToken endpoint() throws Exception {
        int running = refreshersRunning.incrementAndGet();
        maxRefreshersRunning.accumulateAndGet(running, Math::max);
        try {
            endpointCalls.increment();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2)); // the endpoint's latency, not a synchronization
            if (ThreadLocalRandom.current().nextInt(10) == 0) {
                endpointFailures.increment();
                throw new java.io.IOException("token endpoint answered 503");
            }
            return AccessToken.of("token-" + endpointCalls.sum(), Instant.now().plus(TOKEN_LIFETIME));
        } finally {
            refreshersRunning.decrementAndGet();
        }
    }

    private void work(TokenRefreshDecorator tokens, long end) {
        while (System.nanoTime() < end) {
            calls.increment();
            try {
                String result = tokens.executeFunction(token -> revoked.contains(token) ? "401" : "ok");
                if ("ok".equals(result)) {
                    successes.increment();
                } else {
                    documentedFailures.increment(); // the call's own 401 after its one allowed retry
                }
            } catch (TokenRefreshException e) {
                documentedFailures.increment();
            } catch (RuntimeException e) {
                undocumented.computeIfAbsent(e.getClass().getName(), k -> new LongAdder()).increment();
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200)); // the API call's own latency
        }
    }

    private static void awaitUntil(long nanoTime) {
        for (long left; (left = nanoTime - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
        }
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long threadCount() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }
}
