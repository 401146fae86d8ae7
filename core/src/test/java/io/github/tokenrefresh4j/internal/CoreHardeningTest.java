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

import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Regression tests of issue 10 ("core hardening"): each test pins one defect that a careful reading found, and fails
 * without its fix. Every test is bounded by {@link Timeout}, so a hang fails instead of blocking the build.
 */
@Timeout(value = 30, unit = SECONDS)
class CoreHardeningTest {

    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final AtomicInteger refresherCalls = new AtomicInteger();
    private final AtomicInteger refresherRunning = new AtomicInteger();
    private final AtomicInteger maxRefresherRunning = new AtomicInteger();

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    /** Counts the calls of {@code refresher} and how many run at once. */
    private TokenRefresher counted(TokenRefresher refresher) {
        return current -> {
            refresherCalls.incrementAndGet();
            maxRefresherRunning.accumulateAndGet(refresherRunning.incrementAndGet(), Math::max);
            try {
                return refresher.refresh(current);
            } finally {
                refresherRunning.decrementAndGet();
            }
        };
    }

    private <T> T within10Seconds(Future<T> call) throws Exception {
        return call.get(10, SECONDS);
    }

    // Defect 1
    @Test
    void farFutureExpiryInstallsTheTokenAndReleasesTheFirstCall() throws Exception {
        for (Instant farFuture : List.of(Instant.MAX, Instant.parse("9999-12-31T23:59:59Z"),
            Instant.now().plusSeconds(Long.MAX_VALUE / 1_000_000_000L))) {
            TokenRefreshDecorator tokens = TokenRefreshDecorator.of("far", TokenRefreshConfig.ofDefaults(),
                current -> AccessToken.of("v", farFuture));

            assertThat(within10Seconds(pool.submit(() -> tokens.executeFunction(AccessToken::value))))
                .isEqualTo("v");
            assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("v");
        }
    }

    // Defect 1: delays are capped, not overflowed
    @Test
    void hugeCooldownFromTheFunctionIsCappedAndEveryWaiterIsReleased() throws Exception {
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("cooldown", TokenRefreshConfig.custom()
            .failureCooldown(attempt -> Long.MAX_VALUE).build(), current -> {
                throw new java.io.IOException("down");
            });

        Throwable first = catchThrowable(() -> within10Seconds(pool.submit(
            () -> tokens.executeFunction(AccessToken::value))));
        Throwable refused = catchThrowable(() -> tokens.executeFunction(AccessToken::value));

        assertThat(first).cause().isInstanceOf(TokenRefreshException.class).hasMessageContaining("failed");
        assertThat(refused).isInstanceOf(TokenRefreshException.class).hasMessageContaining("refused");
    }

    // Defect 2
    @Test
    void refresherExceptionWhoseMessageThrowsStillFailsEveryWaiter() throws Exception {
        RuntimeException hostile = new RuntimeException() {
            private static final long serialVersionUID = 1L;

            @Override
            public String getMessage() {
                throw new IllegalStateException("getMessage() is broken");
            }
        };
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("hostile", TokenRefreshConfig.ofDefaults(),
            current -> {
                throw hostile;
            });

        Throwable seen = catchThrowable(() -> within10Seconds(pool.submit(
            () -> tokens.executeFunction(AccessToken::value))));

        assertThat(seen).cause().isInstanceOf(TokenRefreshException.class).hasCauseReference(hostile);
    }

    // Defect 3 (rule: at most one refresher call per decorator is ever running)
    @Test
    void hungRefresherIsNeverCalledAgainWhileItRunsAndEveryWaveWaitsForThatSameCall() throws Exception {
        ManualScheduler scheduler = new ManualScheduler();
        CountDownLatch endpointAnswers = new CountDownLatch(1);
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("hung", TokenRefreshConfig.custom()
            .scheduler(scheduler).refreshTimeout(Duration.ofMillis(50)).failureCooldown(Duration.ZERO).build(),
            counted(current -> {
                endpointAnswers.await();
                return AccessToken.of("late");
            }));

        for (int wave = 0; wave < 5; wave++) {
            Future<String> call = pool.submit(() -> tokens.executeFunction(AccessToken::value));
            await().until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 1 && refresherRunning.get() == 1);
            scheduler.takeScheduled().run(); // this wave's refresh timeout fires

            Throwable timedOut = catchThrowable(() -> within10Seconds(call));
            assertThat(timedOut).cause().isInstanceOf(TokenRefreshException.class)
                .hasMessageContaining("timed out after PT0.05S")
                .hasMessageContaining("has been running for")
                .hasMessageContaining("its own connect and read timeouts");
        }
        assertThat(refresherCalls).hasValue(1);

        endpointAnswers.countDown();
        await().until(() -> refresherRunning.get() == 0 && tokens.currentToken() != null);
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("late");
        assertThat(refresherCalls).hasValue(1);
        assertThat(maxRefresherRunning).hasValue(1);
    }

    // Defect 4
    @Test
    void lateTokenIsInstalledWhenTheTokenItsRefreshStartedFromIsStillCurrent() throws Exception {
        ManualScheduler scheduler = new ManualScheduler();
        CountDownLatch endpointAnswers = new CountDownLatch(1);
        AccessToken first = AccessToken.of("first");
        AccessToken rotated = AccessToken.of("rotated").withRefreshToken("only-valid-refresh-token");
        List<AccessToken> given = new ArrayList<>();
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("late", TokenRefreshConfig.custom()
            .scheduler(scheduler).failureCooldown(Duration.ZERO).build(), counted(current -> {
                given.add(current);
                if (current == null) {
                    return first;
                }
                endpointAnswers.await();
                return rotated;
            }));
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("first");
        scheduler.takeScheduled(); // the first refresh's timeout, cancelled

        tokens.invalidate();
        Future<String> call = pool.submit(() -> tokens.executeFunction(AccessToken::value));
        await().until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 1);
        scheduler.takeScheduled().run();
        assertThat(catchThrowable(() -> within10Seconds(call))).cause().hasMessageContaining("timed out");

        endpointAnswers.countDown();
        await().until(() -> refresherRunning.get() == 0 && tokens.currentToken() == rotated);
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("rotated");
        assertThat(refresherCalls).hasValue(2);
        assertThat(given).containsExactly(null, first);
    }

    // Defect 5
    @Test
    void failureIsDeliveredAfterTheRefresherMarkerIsClearedSoAContinuationMayRefreshAgain() throws Exception {
        CountDownLatch callWaits = new CountDownLatch(1);
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("marker", TokenRefreshConfig.custom()
            .failureCooldown(Duration.ZERO).build(), counted(current -> {
                if (refresherCalls.get() == 1) {
                    callWaits.await();
                    throw new java.io.IOException("down");
                }
                return AccessToken.of("t2");
            }));

        CompletableFuture<String> call = tokens.executeCompletionStage(
                token -> CompletableFuture.completedFuture(token.value()))
            .exceptionally(e -> tokens.executeFunction(AccessToken::value)).toCompletableFuture();
        callWaits.countDown(); // the continuation is registered: the failure completes it on the refresher thread

        assertThat(call.get(10, SECONDS)).isEqualTo("t2");
    }

    // Defect 6
    @Test
    void replacedTokensLeaveAtMostOneFastPathTaskPending() throws Exception {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
        scheduler.setRemoveOnCancelPolicy(true);
        try {
            TokenRefreshDecorator tokens = TokenRefreshDecorator.of("replaced", TokenRefreshConfig.custom()
                .scheduler(scheduler).build(), current -> AccessToken.of("v", Instant.now().plusSeconds(3600)));

            for (int i = 0; i < 200; i++) {
                tokens.executeFunction(AccessToken::value);
                tokens.invalidate();
            }
            tokens.executeFunction(AccessToken::value);

            // The last refresh's timeout is cancelled by the refresher's thread just after the call got its token.
            await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(scheduler.getQueue()).hasSizeLessThanOrEqualTo(1));
        } finally {
            scheduler.shutdownNow();
        }
    }

    // Defect 7
    @Test
    void supplierBindingLeavesNothingOfTheLibraryOnTheThreadWhenTheOutermostDecoratedCallEnds() throws Exception {
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("binding", TokenRefreshConfig.ofDefaults(),
            current -> AccessToken.of("v"));
        Supplier<String> call = TokenRefreshDecorator.decorateSupplier(tokens, () -> {
            String outer = tokens.currentToken().value();
            String inner = TokenRefreshDecorator.decorateSupplier(tokens, () -> tokens.currentToken().value()).get();
            return outer + inner;
        });

        List<Object> leftOnThread = within10Seconds(pool.submit(() -> {
            assertThat(call.get()).isEqualTo("vv");
            return libraryValuesOnThisThread();
        }));

        assertThat(leftOnThread).isEmpty();
    }

    /**
     * The library's objects that the current thread's thread-locals hold, directly or in an array (needs java.lang
     * opened): what would pin the library's class loader to a pool thread.
     */
    private static List<Object> libraryValuesOnThisThread() throws ReflectiveOperationException {
        Field threadLocals = Thread.class.getDeclaredField("threadLocals");
        threadLocals.setAccessible(true);
        Object map = threadLocals.get(Thread.currentThread());
        List<Object> found = new ArrayList<>();
        if (map == null) {
            return found;
        }
        Field table = map.getClass().getDeclaredField("table");
        table.setAccessible(true);
        for (Object entry : (Object[]) table.get(map)) {
            if (entry == null || ((Reference<?>) entry).get() == null) {
                continue;
            }
            Field value = entry.getClass().getDeclaredField("value");
            value.setAccessible(true);
            Object v = value.get(entry);
            for (Object held : v instanceof Object[] ? (Object[]) v : new Object[] {v}) {
                if (held != null && held.getClass().getName().startsWith("io.github.tokenrefresh4j")) {
                    found.add(held);
                }
            }
        }
        return found;
    }

    // Defect 9
    @Test
    void refreshersOwnTimeoutExceptionIsReportedAsItsFailureNotAsTheLibrarysTimeout() {
        TimeoutException readTimeout = new TimeoutException("read timed out");
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("own-timeout", TokenRefreshConfig.ofDefaults(),
            current -> {
                throw readTimeout;
            });

        Throwable seen = catchThrowable(() -> tokens.executeFunction(AccessToken::value));

        assertThat(seen).isInstanceOf(TokenRefreshException.class).hasCauseReference(readTimeout)
            .hasMessageStartingWith("token refresh of 'own-timeout' failed;")
            .hasMessageNotContaining("timed out after")
            .hasMessageNotContaining("late result");
    }

    // Defect 10
    @Test
    void afterASuspendTheFastPathEndsAtTheNextWallClockCheckNotAtTheMonotonicDeadline() {
        ManualScheduler scheduler = new ManualScheduler();
        MutableClock clock = new MutableClock(START);
        AtomicInteger issued = new AtomicInteger();
        TokenRefreshDecoratorImpl tokens = new TokenRefreshDecoratorImpl("suspend", TokenRefreshConfig.custom()
            .clock(clock).scheduler(scheduler).refreshAhead(Duration.ZERO).build(),
            current -> AccessToken.of("t" + issued.incrementAndGet(), clock.instant().plus(Duration.ofHours(1))),
            Map.of(), true);
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("t1");
        scheduler.takeScheduled(); // the refresh timeout, cancelled

        // The check that ends the fast path is re-armed at most every second of monotonic time...
        ScheduledFuture<?> check = (ScheduledFuture<?>) scheduler.takeScheduled();
        assertThat(check.getDelay(TimeUnit.NANOSECONDS)).isLessThanOrEqualTo(Duration.ofSeconds(1).toNanos());
        clock.advance(Duration.ofMinutes(30));
        ((Runnable) check).run();
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("t1");

        // ...so a host suspended past the expiry hands out the old token for at most that second after it resumes.
        clock.advance(Duration.ofHours(2));
        scheduler.takeScheduled().run();

        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("t2");
    }

    // README, clock(Clock): every system clock keeps the clock-free fast path
    @Test
    void everySystemClockKeepsTheClockFreeFastPathAndATestClockDoesNot() {
        for (Clock clock : List.of(Clock.systemUTC(), Clock.systemDefaultZone(),
            Clock.system(ZoneId.of("Asia/Tokyo")),
            new MutableClock(Instant.now()))) {
            ManualScheduler scheduler = new ManualScheduler();
            TokenRefreshDecorator tokens = TokenRefreshDecorator.of("clock", TokenRefreshConfig.custom()
                .clock(clock).scheduler(scheduler).build(),
                current -> AccessToken.of("v", Instant.now().plusSeconds(3600)));
            tokens.executeFunction(AccessToken::value);
            scheduler.takeScheduled(); // the refresh timeout, cancelled

            assertThat(scheduler.pending()).as("fast-path checks pending with " + clock)
                .isEqualTo(clock instanceof MutableClock ? 0 : 1);
        }
    }

    // Defect 1, its cousin: nothing thrown between the refresher's return and the CAS may strand the decorator
    @Test
    void cooldownFunctionThrowingAnErrorNeitherHangsTheWaitersNorLeavesTheRefresherMarkedRunning() throws Exception {
        AtomicInteger attempt = new AtomicInteger();
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("error", TokenRefreshConfig.custom()
            .failureCooldown(failures -> {
                throw new StackOverflowError("backoff recursed");
            }).build(), counted(current -> {
                if (attempt.incrementAndGet() == 1) {
                    throw new java.io.IOException("down");
                }
                return AccessToken.of("t2");
            }));

        Throwable first = catchThrowable(() -> within10Seconds(pool.submit(
            () -> tokens.executeFunction(AccessToken::value))));

        assertThat(first).cause().isInstanceOf(TokenRefreshException.class).hasMessageContaining("failed");
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("t2");
        assertThat(refresherCalls).hasValue(2);
    }

    // Review: an executor whose hand-off throws an Error (a pool that cannot start a thread) leaves no refresher
    // call marked running, which would make every later call wait for a call that never runs
    @Test
    void executorThrowingAnErrorOnHandOffFailsTheCallAndTheNextCallRefreshes() throws Exception {
        AtomicInteger handOffs = new AtomicInteger();
        Executor executor = task -> {
            if (handOffs.incrementAndGet() == 1) {
                throw new OutOfMemoryError("unable to create native thread");
            }
            task.run();
        };
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("handoff", TokenRefreshConfig.custom()
            .refreshExecutor(executor).scheduler(new ManualScheduler()).failureCooldown(Duration.ZERO).build(),
            counted(current -> AccessToken.of("t" + refresherCalls.get())));

        Throwable first = catchThrowable(() -> tokens.executeFunction(AccessToken::value));

        assertThat(first).isInstanceOf(TokenRefreshException.class).hasCauseInstanceOf(OutOfMemoryError.class);
        assertThat(within10Seconds(pool.submit(() -> tokens.executeFunction(AccessToken::value)))).isEqualTo("t1");
    }

    // Review: a scheduler that throws an Error for the refresh timeout leaves no unbounded wait behind
    @Test
    void schedulerThrowingAnErrorForTheTimeoutFailsTheCallAndTheNextCallRefreshes() throws Exception {
        AtomicInteger schedules = new AtomicInteger();
        ManualScheduler scheduler = new ManualScheduler() {
            @Override
            public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
                if (schedules.incrementAndGet() == 1) {
                    throw new OutOfMemoryError("unable to create native thread");
                }
                return super.schedule(command, delay, unit);
            }
        };
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("timeout", TokenRefreshConfig.custom()
            .refreshExecutor(pool).scheduler(scheduler).failureCooldown(Duration.ZERO).build(),
            counted(current -> AccessToken.of("t" + refresherCalls.get())));

        Throwable first = catchThrowable(() -> within10Seconds(pool.submit(
            () -> tokens.executeFunction(AccessToken::value))));

        assertThat(first).cause().isInstanceOf(TokenRefreshException.class)
            .hasCauseInstanceOf(OutOfMemoryError.class);
        assertThat(within10Seconds(pool.submit(() -> tokens.executeFunction(AccessToken::value)))).isEqualTo("t1");
    }

    // Review: a fast-path check that cannot be armed, even by an Error, takes the token off the fast path; the
    // call that accepted the token still gets its own result
    @Test
    void fastPathCheckThatCannotBeArmedEndsTheFastPathAndTheCallKeepsItsResult() {
        MutableClock clock = new MutableClock(START);
        AtomicInteger schedules = new AtomicInteger();
        ManualScheduler scheduler = new ManualScheduler() {
            @Override
            public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
                if (schedules.incrementAndGet() == 2) { // the first is the refresh timeout
                    throw new OutOfMemoryError("unable to create native thread");
                }
                return super.schedule(command, delay, unit);
            }
        };
        AtomicInteger issued = new AtomicInteger();
        TokenRefreshDecoratorImpl tokens = new TokenRefreshDecoratorImpl("arm", TokenRefreshConfig.custom()
            .clock(clock).scheduler(scheduler).refreshExecutor(Runnable::run).refreshAhead(Duration.ZERO).build(),
            current -> AccessToken.of("t" + issued.incrementAndGet(), clock.instant().plus(Duration.ofHours(1))),
            Map.of(), true);

        assertThat(catchThrowable(() -> assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("t1")))
            .isNull();

        clock.advance(Duration.ofHours(2));
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("t2");
    }

    // Review: a call that put a token on the fast path arms its check after its CAS, with nothing held; if the token
    // was replaced and the new one accepted and armed in between, the late arming must not cancel the new token's
    // check, or the new token stays on the fast path past its expiry. The interleaving has no user code to pause
    // in, so the test plays the late arming itself.
    @Test
    void lateArmingForAReplacedTokenLeavesTheCheckOfTheTokenNowOnTheFastPath() throws Exception {
        MutableClock clock = new MutableClock(START);
        ManualScheduler scheduler = new ManualScheduler();
        AtomicInteger issued = new AtomicInteger();
        TokenRefreshDecoratorImpl tokens = new TokenRefreshDecoratorImpl("late-arm", TokenRefreshConfig.custom()
            .clock(clock).scheduler(scheduler).refreshExecutor(Runnable::run).refreshAhead(Duration.ZERO).build(),
            current -> AccessToken.of("t" + issued.incrementAndGet(), clock.instant().plus(Duration.ofHours(1))),
            Map.of(), true);
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("t1");
        AccessToken t1 = tokens.currentToken();
        tokens.invalidate();
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("t2");

        java.lang.reflect.Method arm = TokenRefreshDecoratorImpl.class.getDeclaredMethod("armFastPathCheck",
            AccessToken.class, Instant.class, Instant.class);
        arm.setAccessible(true);
        arm.invoke(tokens, t1, START.plus(Duration.ofMinutes(59)), clock.instant()); // the late arming for t1

        clock.advance(Duration.ofHours(2));
        for (int i = 0; i < 100 && scheduler.pending() > 0; i++) {
            scheduler.takeScheduled().run(); // cancelled tasks do nothing
        }
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("t3");
    }

    // Review: a late success that ends the refresher call while a caller is still scheduling the timeout of its new
    // wait for that call cancels that timeout too, so no task holds the decorator for a whole refreshTimeout
    @Test
    void lateSuccessRacingTheSchedulingOfANewWaitsTimeoutStillCancelsIt() throws Exception {
        CountDownLatch endpointAnswers = new CountDownLatch(1);
        CountDownLatch installed = new CountDownLatch(1);
        AtomicInteger schedules = new AtomicInteger();
        ManualScheduler scheduler = new ManualScheduler() {
            @Override
            public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
                if (schedules.incrementAndGet() == 2) { // the second wave's wait, for the same refresher call
                    endpointAnswers.countDown();
                    try {
                        installed.await(10, SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return super.schedule(command, delay, unit);
            }
        };
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("late", TokenRefreshConfig.custom()
            .scheduler(scheduler).refreshExecutor(pool).failureCooldown(Duration.ZERO).build(),
            counted(current -> {
                endpointAnswers.await();
                return AccessToken.of("late");
            }));
        tokens.getEventPublisher().onRefreshSucceeded(event -> installed.countDown());

        Future<String> first = pool.submit(() -> tokens.executeFunction(AccessToken::value));
        await().until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 1);
        scheduler.takeScheduled().run(); // the first wave's timeout fires
        assertThat(catchThrowable(() -> within10Seconds(first))).cause().isInstanceOf(TokenRefreshException.class);

        assertThat(within10Seconds(pool.submit(() -> tokens.executeFunction(AccessToken::value)))).isEqualTo("late");

        Future<?> secondTimeout = (Future<?>) scheduler.takeScheduled();
        await().atMost(5, SECONDS).until(secondTimeout::isCancelled);
        assertThat(refresherCalls).hasValue(1);
    }

    // Review: the fast-path check re-arms every second until its token's check instant, which for a long-lived
    // token is years away; it must not keep a discarded decorator (and its refresher) reachable all that time
    @Test
    void pendingFastPathCheckDoesNotKeepADiscardedDecoratorReachable() {
        ManualScheduler scheduler = new ManualScheduler();
        WeakReference<TokenRefreshDecorator> discarded = decoratorOnTheFastPathThenDiscarded(scheduler);

        await().atMost(10, SECONDS).until(() -> {
            System.gc();
            return discarded.get() == null;
        });
        assertThat(scheduler.pending()).isEqualTo(1);
        scheduler.takeScheduled().run();
        assertThat(scheduler.pending()).as("re-armed for a collected decorator").isZero();
    }

    private static WeakReference<TokenRefreshDecorator> decoratorOnTheFastPathThenDiscarded(
        ManualScheduler scheduler) {
        MutableClock clock = new MutableClock(START);
        TokenRefreshDecoratorImpl tokens = new TokenRefreshDecoratorImpl("discarded", TokenRefreshConfig.custom()
            .clock(clock).scheduler(scheduler).refreshExecutor(Runnable::run).build(),
            current -> AccessToken.of("v", START.plus(Duration.ofDays(3650))), Map.of(), true);
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("v");
        scheduler.takeScheduled(); // the refresh timeout, cancelled
        assertThat(scheduler.pending()).isEqualTo(1); // the fast-path check
        return new WeakReference<>(tokens);
    }

    // Review: a refresh executor that drops a task it accepted (DiscardPolicy, DiscardOldestPolicy, shutdownNow)
    // must not leave a refresher call marked running forever, which under "never a second refresher call" would
    // make every later call wait for it and time out, for good
    @Test
    void refresherCallItsExecutorNeverStartedIsAbandonedByTheTimeoutAndTheNextCallRefreshes() throws Exception {
        ManualScheduler scheduler = new ManualScheduler();
        AtomicInteger handOffs = new AtomicInteger();
        Executor dropsTheFirstTask = task -> {
            if (handOffs.incrementAndGet() > 1) {
                task.run();
            }
        };
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("dropped", TokenRefreshConfig.custom()
            .refreshExecutor(dropsTheFirstTask).scheduler(scheduler).failureCooldown(Duration.ZERO).build(),
            counted(current -> AccessToken.of("t" + refresherCalls.get())));

        Future<String> first = pool.submit(() -> tokens.executeFunction(AccessToken::value));
        await().until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 1);
        scheduler.takeScheduled().run(); // its timeout
        assertThat(catchThrowable(() -> within10Seconds(first))).cause().isInstanceOf(TokenRefreshException.class)
            .hasMessageContaining("before its executor started the refresher call");

        assertThat(within10Seconds(pool.submit(() -> tokens.executeFunction(AccessToken::value)))).isEqualTo("t1");
        assertThat(refresherCalls).hasValue(1);
    }
}
