package io.github.tokenrefresh4j.internal;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.ManualScheduler;
import io.github.tokenrefresh4j.MutableClock;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefresher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Regression tests of the cold review of issue 19: each test pins one defect and fails without its fix. Every wait
 * is bounded by 10 seconds, so a hang fails instead of blocking the build.
 */
@Timeout(value = 60, unit = SECONDS)
class CoreRoundTwoReviewTest {

    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final Queue<AccessToken> given = new ConcurrentLinkedQueue<>();
    private final AtomicInteger refresherCalls = new AtomicInteger();

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    private static <T> T within10Seconds(Future<T> call) throws Exception {
        return call.get(10, SECONDS);
    }

    private static List<String> refreshTokens(Queue<AccessToken> tokens) {
        return tokens.stream().map(t -> t.refreshToken().orElse(t.value())).toList();
    }

    /** A clock whose source throws an {@code Error} while broken (a clock library whose class failed to load). */
    private static final class ErrorClock extends Clock {
        volatile boolean broken;

        @Override
        public Instant instant() {
            if (broken) {
                throw new NoClassDefFoundError("a clock library that could not be loaded");
            }
            return START;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void clockThrowingAnErrorAtTheTimeoutStillReleasesTheWaiters() throws Exception {
        ErrorClock clock = new ErrorClock();
        ManualScheduler scheduler = new ManualScheduler();
        CountDownLatch endpointAnswers = new CountDownLatch(1);
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("timeout-error", TokenRefreshConfig.custom()
            .clock(clock).scheduler(scheduler).refreshExecutor(pool).failureCooldown(Duration.ZERO).build(),
            current -> {
                refresherCalls.incrementAndGet();
                endpointAnswers.await();
                return AccessToken.of("t1", START.plus(Duration.ofHours(1)));
            });
        try {
            Future<String> call = pool.submit(() -> tokens.executeFunction(AccessToken::value));
            await().until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 1 && refresherCalls.get() == 1);

            clock.broken = true;
            scheduler.takeScheduled().run(); // the timeout fires while the clock throws an Error

            assertThat(catchThrowable(() -> within10Seconds(call))).cause()
                .isInstanceOf(TokenRefreshException.class).hasMessageContaining("timed out");
        } finally {
            endpointAnswers.countDown();
        }
    }

    @Test
    void clockThrowingAnErrorAsTheExecutorRefusesLeavesNoRefreshMarkedRunning() throws Exception {
        ErrorClock clock = new ErrorClock();
        AtomicInteger handOffs = new AtomicInteger();
        Executor executor = task -> {
            if (handOffs.incrementAndGet() == 1) {
                clock.broken = true; // the clock fails just as the executor refuses the task
                throw new RejectedExecutionException("saturated");
            }
            pool.execute(task);
        };
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("refused-error", TokenRefreshConfig.custom()
            .clock(clock).scheduler(new ManualScheduler()).refreshExecutor(executor)
            .failureCooldown(Duration.ZERO).build(),
            current -> AccessToken.of("t" + refresherCalls.incrementAndGet(), START.plus(Duration.ofHours(1))));

        Throwable first = catchThrowable(() -> tokens.executeFunction(AccessToken::value));
        clock.broken = false;

        assertThat(tokens.getMetrics().isRefreshInFlight()).isFalse();
        assertThat(within10Seconds(pool.submit(() -> tokens.executeFunction(AccessToken::value)))).isEqualTo("t1");
        assertThat(first).isInstanceOf(TokenRefreshException.class)
            .hasCauseInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void clockThrowingAsTheRefresherReturnsNeverLosesTheRotatedRefreshToken() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        MutableClock clock = new MutableClock(now);
        TokenRefresher rotating = current -> {
            given.add(current == null ? AccessToken.of("client-credentials") : current);
            int n = refresherCalls.incrementAndGet();
            clock.broken(n == 2); // the outage starts as the second call returns
            return AccessToken.of("t" + n, now.plus(Duration.ofHours(1))).withRefreshToken("RT" + n);
        };
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("rotated", TokenRefreshConfig.custom()
            .clock(clock).refreshExecutor(Runnable::run).scheduler(new ManualScheduler())
            .failureCooldown(Duration.ZERO).build(), rotating);
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("t1");
        tokens.invalidate();

        // the server rotated RT1 into RT2 and answered t2: the decorator keeps it, whatever the clock did
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("t2");
        clock.broken(false);
        tokens.invalidate();
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("t3");

        assertThat(refreshTokens(given)).containsExactly("client-credentials", "RT1", "RT2");
    }
}
