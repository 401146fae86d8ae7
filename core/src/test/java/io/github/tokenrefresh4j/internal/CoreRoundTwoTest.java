package io.github.tokenrefresh4j.internal;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.ManualScheduler;
import io.github.tokenrefresh4j.MutableClock;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefresher;
import io.github.tokenrefresh4j.event.TokenRefreshEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Regression tests of issue 19 (core, round 2): each test pins one defect and fails without its fix. Every test is
 * bounded by {@link Timeout}, and every wait in it by 10 seconds, so a hang fails instead of blocking the build.
 */
@Timeout(value = 30, unit = SECONDS)
class CoreRoundTwoTest {

    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final Queue<AccessToken> given = new ConcurrentLinkedQueue<>();
    private final AtomicInteger refresherCalls = new AtomicInteger();

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    /** Issues "t1", "t2", ..., each with refresh token "RT1", "RT2", ...; records what it was given. */
    private TokenRefresher rotating() {
        return current -> {
            given.add(current == null ? AccessToken.of("client-credentials") : current);
            int n = refresherCalls.incrementAndGet();
            return AccessToken.of("t" + n).withRefreshToken("RT" + n);
        };
    }

    private static List<String> refreshTokens(Queue<AccessToken> tokens) {
        return tokens.stream().map(t -> t.refreshToken().orElse(t.value())).toList();
    }

    private static <T> T within10Seconds(Future<T> call) throws Exception {
        return call.get(10, SECONDS);
    }

    // Defect 1: an executor that queues the task and then throws (a ThreadPoolExecutor that cannot start a worker)
    @Test
    void refresherTaskItsExecutorQueuedAndRefusedNeverCallsTheRefresherLater() throws Exception {
        Queue<Runnable> queuedThenRefused = new ConcurrentLinkedQueue<>();
        AtomicInteger handOffs = new AtomicInteger();
        Executor executor = task -> {
            if (handOffs.incrementAndGet() == 2) {
                queuedThenRefused.add(task);
                throw new OutOfMemoryError("unable to create native thread");
            }
            task.run();
        };
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("queued", TokenRefreshConfig.custom()
            .refreshExecutor(executor).scheduler(new ManualScheduler()).failureCooldown(Duration.ZERO).build(),
            rotating());
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("t1");
        tokens.invalidate();

        Throwable refused = catchThrowable(() -> tokens.executeFunction(AccessToken::value));
        assertThat(refused).isInstanceOf(TokenRefreshException.class).hasCauseInstanceOf(OutOfMemoryError.class);
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("t2");

        queuedThenRefused.remove().run(); // a thread can be started again: the pool runs what it had queued

        assertThat(refreshTokens(given)).containsExactly("client-credentials", "RT1");
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("t2");
    }

    // Defect 2: the clock throws once as the refresher returns
    @Test
    void clockThrowingAsTheRefresherReturnsFailsThatRefreshAndTheNextCallRefreshes() throws Exception {
        MutableClock clock = new MutableClock(START);
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("clock", TokenRefreshConfig.custom()
            .clock(clock).scheduler(new ManualScheduler()).failureCooldown(Duration.ZERO).build(), current -> {
                int n = refresherCalls.incrementAndGet();
                clock.broken(n == 1); // the outage starts as the first call returns, and is over by the second
                return AccessToken.of("t" + n, START.plus(Duration.ofHours(1)));
            });

        Throwable first = catchThrowable(() -> within10Seconds(pool.submit(
            () -> tokens.executeFunction(AccessToken::value))));
        clock.broken(false);

        assertThat(first).cause().isInstanceOf(TokenRefreshException.class);
        assertThat(within10Seconds(pool.submit(() -> tokens.executeFunction(AccessToken::value)))).isEqualTo("t2");
        assertThat(tokens.getMetrics().isRefreshInFlight()).isFalse();
    }

    // Defect 3: the same outage across the timeout and the refresher's return
    @Test
    void clockOutageAcrossTheTimeoutStillReleasesTheWaitersAndTheLateReturnLeavesNothingRunning()
        throws Exception {
        MutableClock clock = new MutableClock(START);
        ManualScheduler scheduler = new ManualScheduler();
        CountDownLatch endpointAnswers = new CountDownLatch(1);
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("outage", TokenRefreshConfig.custom()
            .clock(clock).scheduler(scheduler).failureCooldown(Duration.ZERO).build(), current -> {
                int n = refresherCalls.incrementAndGet();
                if (n == 1) {
                    endpointAnswers.await();
                }
                return AccessToken.of("t" + n, START.plus(Duration.ofHours(1)));
            });
        Future<String> call = pool.submit(() -> tokens.executeFunction(AccessToken::value));
        await().until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 1 && refresherCalls.get() == 1);

        clock.broken(true);
        scheduler.takeScheduled().run(); // the timeout fires during the outage
        assertThat(catchThrowable(() -> within10Seconds(call))).cause().isInstanceOf(TokenRefreshException.class)
            .hasMessageContaining("timed out");
        endpointAnswers.countDown(); // ...and so does the refresher's return
        await().atMost(10, SECONDS).until(() -> !tokens.getMetrics().isRefreshInFlight());
        clock.broken(false);

        assertThat(within10Seconds(pool.submit(() -> tokens.executeFunction(AccessToken::value)))).isEqualTo("t2");
    }

    // Defect 4: each consumer is guarded on its own
    @Test
    void throwingConsumerHidesTheEventFromNoOtherConsumer() {
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("consumers", TokenRefreshConfig.custom()
            .refreshExecutor(Runnable::run).scheduler(new ManualScheduler()).build(), rotating());
        List<String> seen = new CopyOnWriteArrayList<>();
        tokens.getEventPublisher().onEvent(event -> {
            throw new IllegalStateException("a buggy audit consumer");
        });
        tokens.getEventPublisher().onEvent(event -> seen.add("second onEvent"));
        tokens.getEventPublisher()
            .onRefreshSucceeded(event -> {
                throw new IllegalStateException("another buggy consumer");
            })
            .onRefreshSucceeded(event -> seen.add("refresh timer"));

        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("t1");

        assertThat(seen).containsExactlyInAnyOrder("second onEvent", "refresh timer");
    }

    // Defect 5: an Error from a TOKEN_REJECTED consumer
    @Test
    void errorFromATokenRejectedConsumerChangesNothingTheCallDoes() {
        AtomicBoolean released = new AtomicBoolean();
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("rejected", TokenRefreshConfig.custom()
            .refreshExecutor(Runnable::run).scheduler(new ManualScheduler())
            .refreshOnResult(result -> result.equals("401"))
            .consumeResultBeforeRetryAttempt(result -> released.set(true)).build(), rotating());
        tokens.getEventPublisher().onTokenRejected(event -> {
            throw new AssertionError("a consumer's bug");
        });
        Supplier<String> api = TokenRefreshDecorator.decorateFunction(tokens,
            token -> token.value().equals("t1") ? "401" : "200 with " + token.value());

        assertThat(api.get()).isEqualTo("200 with t2");
        assertThat(released).isTrue();
        assertThat(tokens.getMetrics().getNumberOfRejectedTokens()).isEqualTo(1);
        assertThat(api.get()).isEqualTo("200 with t2");
    }

    // Defect 6: one refresher call, one outcome
    @Test
    void refresherCallThatTimedOutAndThenFailsIsCountedOnceEvenWhenASecondWaveJoinedIt() throws Exception {
        ManualScheduler scheduler = new ManualScheduler();
        CountDownLatch endpointAnswers = new CountDownLatch(1);
        ExecutorService refreshThread = Executors.newSingleThreadExecutor();
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("once", TokenRefreshConfig.custom()
            .refreshExecutor(refreshThread).scheduler(scheduler).failureCooldown(Duration.ZERO).build(), current -> {
                refresherCalls.incrementAndGet();
                endpointAnswers.await();
                throw new java.io.IOException("down");
            });
        List<TokenRefreshEvent> failed = new CopyOnWriteArrayList<>();
        tokens.getEventPublisher().onRefreshFailed(failed::add);

        Future<String> firstWave = pool.submit(() -> tokens.executeFunction(AccessToken::value));
        await().until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 1 && refresherCalls.get() == 1);
        scheduler.takeScheduled().run(); // the first wave's timeout
        assertThat(catchThrowable(() -> within10Seconds(firstWave))).cause().hasMessageContaining("timed out");
        await().until(() -> failed.size() == 1); // the timeout counts after it released the first wave
        Future<String> secondWave = pool.submit(() -> tokens.executeFunction(AccessToken::value));
        await().until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 1);
        endpointAnswers.countDown(); // the same call fails

        assertThat(catchThrowable(() -> within10Seconds(secondWave))).cause()
            .isInstanceOf(TokenRefreshException.class);
        within10Seconds(refreshThread.submit(() -> { })); // the refresher's task, counting included, has ended
        refreshThread.shutdown();
        assertThat(refresherCalls).hasValue(1);
        assertThat(tokens.getMetrics().getNumberOfFailedRefreshes()).isEqualTo(1);
        assertThat(tokens.getMetrics().getNumberOfConsecutiveFailures()).isEqualTo(1);
        assertThat(failed).hasSize(1);
    }

    // Defect 7: a rejection on the call's last allowed retry
    @Test
    void tokenRejectedOnTheLastAllowedRetryIsNeverHandedToTheNextCall() {
        Set<String> valid = ConcurrentHashMapSet.of("t1");
        List<String> sent = new CopyOnWriteArrayList<>();
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("last-retry", TokenRefreshConfig.custom()
            .refreshExecutor(Runnable::run).scheduler(new ManualScheduler()).failureCooldown(Duration.ZERO)
            .refreshOnResult(result -> result.equals(401)).build(), rotating());
        Supplier<Integer> api = TokenRefreshDecorator.decorateFunction(tokens, token -> {
            sent.add(token.value());
            return valid.contains(token.value()) ? 200 : 401;
        });
        assertThat(api.get()).isEqualTo(200); // t1 accepted
        valid.clear();
        valid.add("t3");

        assertThat(api.get()).isEqualTo(401); // t1 rejected, t2 rejected on the call's last retry
        assertThat(api.get()).isEqualTo(200);

        assertThat(sent).containsExactly("t1", "t1", "t2", "t3");
        assertThat(tokens.getMetrics().getNumberOfRejectedTokens()).isEqualTo(2);
    }

    // Defect 8: waiters are released before the events run
    @Test
    void slowFailureConsumerDoesNotHoldTheWaitingCalls() throws Exception {
        CountDownLatch webhookAnswers = new CountDownLatch(1);
        CountDownLatch endpointAnswers = new CountDownLatch(1);
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("webhook", TokenRefreshConfig.custom()
            .refreshExecutor(pool).scheduler(new ManualScheduler()).build(), current -> {
                endpointAnswers.await();
                throw new java.io.IOException("down");
            });
        tokens.getEventPublisher().onRefreshFailed(event -> {
            try {
                webhookAnswers.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            Future<String> call = pool.submit(() -> tokens.executeFunction(AccessToken::value));
            await().until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 1);
            endpointAnswers.countDown();

            assertThat(catchThrowable(() -> within10Seconds(call))).cause()
                .isInstanceOf(TokenRefreshException.class).hasMessageContaining("down");
        } finally {
            webhookAnswers.countDown();
        }
    }

    // Found by the review of issue 19: an Error from the clock, and a token returned during a clock outage

    /** What a clock library that fails to load throws: an Error, not a RuntimeException. */
    private static final Error CLOCK_ERROR = new NoClassDefFoundError("a clock library that could not be loaded");

    @Test
    void clockThrowingAnErrorAtTheTimeoutStillReleasesTheWaiters() throws Exception {
        MutableClock clock = new MutableClock(START);
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

            clock.brokenWith(CLOCK_ERROR);
            scheduler.takeScheduled().run(); // the timeout fires while the clock throws an Error

            assertThat(catchThrowable(() -> within10Seconds(call))).cause()
                .isInstanceOf(TokenRefreshException.class).hasMessageContaining("timed out");
        } finally {
            endpointAnswers.countDown();
        }
    }

    @Test
    void clockThrowingAnErrorAsTheExecutorRefusesLeavesNoRefreshMarkedRunning() throws Exception {
        MutableClock clock = new MutableClock(START);
        AtomicInteger handOffs = new AtomicInteger();
        Executor executor = task -> {
            if (handOffs.incrementAndGet() == 1) {
                clock.brokenWith(CLOCK_ERROR); // the clock fails just as the executor refuses the task
                throw new RejectedExecutionException("saturated");
            }
            pool.execute(task);
        };
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("refused-error", TokenRefreshConfig.custom()
            .clock(clock).scheduler(new ManualScheduler()).refreshExecutor(executor)
            .failureCooldown(Duration.ZERO).build(),
            current -> AccessToken.of("t" + refresherCalls.incrementAndGet(), START.plus(Duration.ofHours(1))));

        Throwable first = catchThrowable(() -> tokens.executeFunction(AccessToken::value));
        clock.brokenWith(null);

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

    @Test
    void asyncCallWhoseClockThrowsAnErrorGetsAFailedStageInsteadOfAThrow() {
        MutableClock clock = new MutableClock(START);
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("async-clock", TokenRefreshConfig.custom()
            .clock(clock).refreshExecutor(Runnable::run).scheduler(new ManualScheduler()).build(), rotating());
        clock.brokenWith(CLOCK_ERROR);
        AtomicReference<CompletionStage<String>> stage = new AtomicReference<>();

        Throwable thrown = catchThrowable(() -> stage.set(tokens.executeCompletionStage(
            token -> CompletableFuture.completedFuture(token.value()))));

        assertThat(thrown).isNull();
        assertThat(catchThrowable(() -> stage.get().toCompletableFuture().join())).hasCause(CLOCK_ERROR);
        assertThat(refresherCalls).hasValue(0);
    }

    // A retry that cannot obtain its token (here the clock throws) still releases the rejected response
    private TokenRefreshDecorator releasingOn401(MutableClock clock, AtomicInteger released) {
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("release", TokenRefreshConfig.custom()
            .clock(clock).refreshExecutor(Runnable::run).scheduler(new ManualScheduler())
            .refreshOnResult(result -> result.equals("401"))
            .consumeResultBeforeRetryAttempt(result -> released.incrementAndGet()).build(),
            current -> AccessToken.of("t" + refresherCalls.incrementAndGet()));
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("t1"); // accepted, never expires
        clock.broken(true);
        return tokens;
    }

    @Test
    void rejectedResultIsReleasedWhenTheRetryCannotObtainItsToken() {
        AtomicInteger released = new AtomicInteger();
        TokenRefreshDecorator tokens = releasingOn401(new MutableClock(START), released);

        Throwable thrown = catchThrowable(() -> tokens.executeFunction(token -> "401"));

        assertThat(thrown).isInstanceOf(IllegalStateException.class).hasMessage("clock outage");
        assertThat(released).hasValue(1);
    }

    @Test
    void rejectedAsyncResultIsReleasedWhenTheRetryCannotObtainItsToken() {
        AtomicInteger released = new AtomicInteger();
        TokenRefreshDecorator tokens = releasingOn401(new MutableClock(START), released);

        CompletableFuture<String> call = tokens.executeCompletionStage(
            token -> CompletableFuture.completedFuture("401")).toCompletableFuture();

        assertThat(catchThrowable(call::join)).hasRootCauseMessage("clock outage");
        assertThat(released).hasValue(1);
    }

    @Test
    void asyncCallWhoseStageThrowsAfterItWaitedForTheRefreshStillEnds() {
        Queue<Runnable> handedOff = new ConcurrentLinkedQueue<>();
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("broken-stage", TokenRefreshConfig.custom()
            .refreshExecutor(handedOff::add).scheduler(new ManualScheduler()).build(), rotating());
        CompletableFuture<String> call = tokens.executeCompletionStage(token -> new CompletableFuture<String>() {
            @Override
            public CompletableFuture<String> whenComplete(BiConsumer<? super String, ? super Throwable> action) {
                throw new IllegalStateException("a stage that cannot take a callback");
            }
        }).toCompletableFuture();

        handedOff.remove().run(); // the refresh ends: the waiting call runs on this thread

        assertThat(call).isCompletedExceptionally();
        assertThat(catchThrowable(call::join)).hasRootCauseMessage("a stage that cannot take a callback");
    }

    @Test
    void asyncContinuationThatBlocksDoesNotHoldTheSynchronousWaiters() throws Exception {
        Queue<Runnable> handedOff = new ConcurrentLinkedQueue<>();
        CountDownLatch asyncCallerBlocks = new CountDownLatch(1);
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("continuation", TokenRefreshConfig.custom()
            .refreshExecutor(handedOff::add).scheduler(new ManualScheduler()).build(), rotating());
        FutureTask<String> blocking = new FutureTask<>(() -> tokens.executeFunction(AccessToken::value));
        Thread waiter = new Thread(blocking, "synchronous-waiter");
        waiter.setDaemon(true);
        waiter.start();
        // the async caller joins after the synchronous one is parked on the wait
        await().until(() -> handedOff.size() == 1 && waiter.getState() == Thread.State.WAITING);
        tokens.executeCompletionStage(token -> {
            try {
                asyncCallerBlocks.await(); // work of its own done synchronously before it returns its stage
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return CompletableFuture.completedFuture(token.value());
        });
        await().until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 2);
        Future<?> refresh = pool.submit(handedOff.remove()); // the continuation runs, and blocks, on this thread
        try {
            assertThat(within10Seconds(blocking)).isEqualTo("t1");
        } finally {
            asyncCallerBlocks.countDown();
        }
        within10Seconds(refresh);
    }

    /** A concurrent mutable set with its first elements. */
    private static final class ConcurrentHashMapSet {
        static Set<String> of(String... elements) {
            Set<String> set = java.util.concurrent.ConcurrentHashMap.newKeySet();
            set.addAll(List.of(elements));
            return set;
        }
    }
}
