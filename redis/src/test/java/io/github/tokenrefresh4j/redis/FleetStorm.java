package io.github.tokenrefresh4j.redis;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Instances of a fleet in one JVM, each with its own refresher (own connections) and its own decorator, as separate
 * services would be, calling a {@link RotatingTokenServer} from two threads each until it issued more than
 * {@code expiries} tokens. Then asserts what the fleet promises: one request per expiry, none early, the token family
 * never revoked, and no failed call.
 */
final class FleetStorm {

    private static final int THREADS_PER_INSTANCE = 2;

    private FleetStorm() {
    }

    /**
     * @param instances how many instances
     * @param refresher builds instance i's refresher around the endpoint's grant
     * @return a line of figures for the test output
     */
    static String run(RotatingTokenServer endpoint, int instances, int expiries,
                      Function<io.github.tokenrefresh4j.TokenRefresher, RedisTokenRefresher> refresher)
        throws Exception {
        List<RedisTokenRefresher> fleet = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(instances * THREADS_PER_INSTANCE);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong calls = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        Set<String> reasons = ConcurrentHashMap.newKeySet();
        long started = System.nanoTime();
        try {
            CyclicBarrier start = new CyclicBarrier(instances * THREADS_PER_INSTANCE);
            List<Future<?>> workers = new ArrayList<>();
            for (int i = 0; i < instances; i++) {
                RedisTokenRefresher instance = refresher.apply(current -> endpoint.grant(
                    current == null ? null : current.refreshToken().orElseThrow()));
                fleet.add(instance);
                TokenRefreshDecorator tokens = TokenRefreshDecorator.of("instance-" + i, TokenRefreshConfig.custom()
                    .refreshAhead(Duration.ZERO)
                    .refreshOnResult(accepted -> !(Boolean) accepted)
                    .build(), instance);
                for (int t = 0; t < THREADS_PER_INSTANCE; t++) {
                    workers.add(threads.submit(() -> {
                        start.await(10, TimeUnit.SECONDS);
                        long stopAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                        while (running.get() && System.nanoTime() < stopAt) {
                            calls.incrementAndGet();
                            try {
                                if (!tokens.executeCheckedFunction((AccessToken token) ->
                                    endpoint.accepts(token.value()))) {
                                    failures.incrementAndGet();
                                    reasons.add("token rejected after a refresh");
                                }
                            } catch (Throwable e) {
                                failures.incrementAndGet();
                                if (reasons.size() < 5) {
                                    reasons.add(e + (e.getCause() == null ? "" : " caused by " + e.getCause()));
                                }
                            }
                            Thread.yield();
                        }
                        return null;
                    }));
                }
            }

            await().atMost(Duration.ofSeconds(30)).until(() -> endpoint.issued() > expiries || endpoint.revoked());
            running.set(false);
            for (Future<?> worker : workers) {
                worker.get(10, TimeUnit.SECONDS);
            }
        } finally {
            running.set(false);
            threads.shutdownNow();
            threads.awaitTermination(10, TimeUnit.SECONDS);
            fleet.forEach(RedisTokenRefresher::close);
        }

        assertThat(endpoint.revoked()).as("token family revoked").isFalse();
        // every request rotated the current refresh token: one request per token lifetime, none wasted
        assertThat(endpoint.requests()).isEqualTo(endpoint.issued()).isGreaterThan(expiries);
        assertThat(endpoint.earlyRefreshes()).as("refreshes while the token had time left").isZero();
        assertThat(failures).as("failed calls out of " + calls.get() + ", for example " + reasons).hasValue(0);
        assertThat(calls.get()).isGreaterThan(expiries * (long) instances);
        return instances + " instances, " + endpoint.issued() + " tokens issued, " + endpoint.requests()
            + " token requests, " + calls.get() + " calls, 0 failed, in "
            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms";
    }
}
