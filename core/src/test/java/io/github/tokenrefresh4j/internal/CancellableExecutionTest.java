package io.github.tokenrefresh4j.internal;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.HoldingRefresher;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The wait that blocking adapters (OkHttp, HttpClient 5 classic) end on their client's cancellation: against a
 * refresher that hangs, with a 5-minute {@code refreshTimeout} that no test may reach.
 */
class CancellableExecutionTest {

    private final ExecutorService callers = Executors.newCachedThreadPool();
    private final HoldingRefresher refresher = HoldingRefresher.tokens().holdFrom(1);
    private final TokenRefreshDecorator tokens = TokenRefreshDecorator.of("orders-api",
        TokenRefreshConfig.custom().refreshTimeout(Duration.ofMinutes(5)).build(), refresher);
    private final AtomicInteger attempts = new AtomicInteger();

    @AfterEach
    void releaseAndStop() {
        refresher.release();
        callers.shutdownNow();
    }

    private CancellableExecution<String> execution() {
        return CancellableExecution.of(token -> {
            attempts.incrementAndGet();
            return "sent with " + token.value();
        }, InterruptedIOException::new);
    }

    @Test
    void cancelEndsTheWaitAtOnceAndLeavesTheRefreshToTheOtherWaiters() throws Exception {
        CancellableExecution<String> cancelled = execution();
        Future<String> waiting = callers.submit(() -> cancelled.run(tokens, null, null));
        Future<String> other = callers.submit(() -> execution().run(tokens, null, null));
        refresher.awaitHeld();
        await().atMost(Duration.ofSeconds(20)).until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 2);

        cancelled.cancel();

        assertThatThrownBy(() -> waiting.get(20, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .cause().isInstanceOf(InterruptedIOException.class)
            .hasMessage("cancelled while waiting for an access token");
        assertThat(other).isNotDone();
        refresher.release();
        assertThat(other.get(20, TimeUnit.SECONDS)).isEqualTo("sent with t1");
        assertThat(attempts).as("nothing was sent for the cancelled call").hasValue(1);
        assertThat(refresher.calls).hasValue(1);
    }

    @Test
    void aPolledCancellationEndsTheWait() throws Exception {
        AtomicBoolean isCancelled = new AtomicBoolean();
        Future<String> waiting = callers.submit(() -> execution().run(tokens, isCancelled::get, null));
        refresher.awaitHeld();
        await().atMost(Duration.ofSeconds(20)).until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 1);

        isCancelled.set(true);

        assertThatThrownBy(() -> waiting.get(20, TimeUnit.SECONDS))
            .cause().isInstanceOf(InterruptedIOException.class);
        refresher.release();
        assertThat(attempts).hasValue(0);
    }

    @Test
    void anInterruptEndsTheWaitAndKeepsTheInterruptFlag() throws Exception {
        AtomicReference<Thread> caller = new AtomicReference<>();
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        Future<String> waiting = callers.submit(() -> {
            caller.set(Thread.currentThread());
            try {
                return execution().run(tokens, null, null);
            } finally {
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        });
        refresher.awaitHeld();
        await().atMost(Duration.ofSeconds(20)).until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 1);

        caller.get().interrupt();

        assertThatThrownBy(() -> waiting.get(20, TimeUnit.SECONDS))
            .cause().isInstanceOf(InterruptedIOException.class)
            .hasMessage("interrupted while waiting for an access token");
        assertThat(stillInterrupted).isTrue();
    }

    /**
     * On the fast path (a token at hand) the decorator hands the attempt over on the caller's thread and settles as
     * soon as it completes, so the cancel is seen after the outcome settled. (Handed over from the refresh thread,
     * the outcome may settle after the cancel is seen: then the caller gets the cancellation and the decorator
     * releases the late result, as for any cancelled asynchronous call.)
     */
    @Test
    void aCancelArrivingWhileTheAttemptRunsOnTheFastPathLeavesTheCallerItsOutcome() throws Exception {
        refresher.release();
        assertThat(execution().run(tokens, null, null)).isEqualTo("sent with t1");
        AtomicReference<CancellableExecution<String>> self = new AtomicReference<>();
        CancellableExecution<String> execution = CancellableExecution.of(token -> {
            self.get().cancel(); // the client is cancelled while its exchange completes
            return "response";
        }, InterruptedIOException::new);
        self.set(execution);

        assertThat(execution.run(tokens, null, null))
            .as("a response the attempt produced reaches the caller, who must close it").isEqualTo("response");
    }

    /**
     * The decorator may settle on another thread (the attempt's stage completed on the refresh thread) just after
     * the caller saw the cancellation and found the outcome not done yet: the cancellation then loses, and the
     * caller gets the response, which nobody else would close. Here the outcome settles just before the caller's
     * cancel of it.
     */
    @Test
    void anOutcomeSettlingJustAfterTheCallerSawTheCancelIsTheCallersOutcome() throws Exception {
        AutoCloseable response = () -> { };
        CompletableFuture<Object> outcome = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                complete(response); // the decorator settles on another thread an instant before the cancel
                return super.cancel(mayInterruptIfRunning);
            }
        };
        TokenRefreshDecorator settlingElsewhere = (TokenRefreshDecorator) Proxy.newProxyInstance(
            getClass().getClassLoader(), new Class<?>[] {TokenRefreshDecorator.class}, (proxy, method, args) -> {
                if (method.getName().equals("executeCompletionStage")) {
                    return outcome;
                }
                throw new UnsupportedOperationException(method.getName());
            });
        CancellableExecution<Object> execution = CancellableExecution.of(token -> "never run",
            InterruptedIOException::new);
        execution.cancel();

        assertThat(execution.run(settlingElsewhere, null, null)).as("never dropped unclosed").isSameAs(response);
    }

    @Test
    void beforeWaitRunsOnTheCallersThreadBeforeItWaits() throws Exception {
        AtomicReference<Thread> armedOn = new AtomicReference<>();
        AtomicReference<Thread> caller = new AtomicReference<>();
        CancellableExecution<String> execution = execution();
        Future<String> waiting = callers.submit(() -> {
            caller.set(Thread.currentThread());
            return execution.run(tokens, null, () -> armedOn.compareAndSet(null, Thread.currentThread()));
        });
        refresher.awaitHeld();

        await().atMost(Duration.ofSeconds(20)).until(() -> armedOn.get() != null);
        assertThat(armedOn.get()).isSameAs(caller.get());
        assertThat(waiting).isNotDone();
        refresher.release();
        assertThat(waiting.get(20, TimeUnit.SECONDS)).isEqualTo("sent with t1");
    }

    /**
     * A cancelled or interrupted wait stops counting as a waiting call at once, as the blocking decorator's wait
     * does; not when the hung refresh ends, minutes later, after many such waits have piled up in the metric.
     */
    @Test
    void aCancelledOrInterruptedWaitLeavesTheWaitingCallsMetricAtOnce() throws Exception {
        CancellableExecution<String> cancelled = execution();
        AtomicReference<Thread> interruptedCaller = new AtomicReference<>();
        Future<String> waiting = callers.submit(() -> cancelled.run(tokens, null, null));
        Future<String> interrupted = callers.submit(() -> {
            interruptedCaller.set(Thread.currentThread());
            return execution().run(tokens, null, null);
        });
        Future<String> other = callers.submit(() -> execution().run(tokens, null, null));
        refresher.awaitHeld();
        await().atMost(Duration.ofSeconds(20)).until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 3);

        cancelled.cancel();
        interruptedCaller.get().interrupt();

        assertThatThrownBy(() -> waiting.get(20, TimeUnit.SECONDS)).cause().isInstanceOf(InterruptedIOException.class);
        assertThatThrownBy(() -> interrupted.get(20, TimeUnit.SECONDS))
            .cause().isInstanceOf(InterruptedIOException.class);
        assertThat(tokens.getMetrics().getNumberOfWaitingCalls()).as("only the other call still waits").isEqualTo(1);
        refresher.release();
        assertThat(other.get(20, TimeUnit.SECONDS)).isEqualTo("sent with t1");
        assertThat(tokens.getMetrics().getNumberOfWaitingCalls()).isZero();
    }

    /** A cancel racing the end of the refresh it waits for: the waiter is counted out once, never twice. */
    @Test
    void aCancelRacingTheEndOfTheRefreshCountsTheWaiterOutOnce() throws Exception {
        List<TokenRefreshDecorator> decorators = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            HoldingRefresher hung = HoldingRefresher.tokens().holdFrom(1);
            TokenRefreshDecorator racing = TokenRefreshDecorator.of("race", TokenRefreshConfig.custom().build(), hung);
            decorators.add(racing);
            CompletableFuture<String> other = racing.executeCompletionStage(
                token -> CompletableFuture.completedFuture(token.value())).toCompletableFuture();
            CompletableFuture<String> cancelled = racing.executeCompletionStage(
                token -> CompletableFuture.completedFuture(token.value())).toCompletableFuture();
            hung.awaitHeld();
            CyclicBarrier together = new CyclicBarrier(2);
            Future<?> release = callers.submit(() -> {
                together.await();
                hung.release();
                return null;
            });
            together.await();
            cancelled.cancel(false);
            release.get(20, TimeUnit.SECONDS);

            assertThat(other.get(20, TimeUnit.SECONDS)).isEqualTo("t1");
            await().atMost(Duration.ofSeconds(20)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                .until(() -> racing.getMetrics().getNumberOfWaitingCalls() == 0);
        }
        assertThat(decorators).allSatisfy(d -> assertThat(d.getMetrics().getNumberOfWaitingCalls()).isZero());
    }

    /**
     * When the decorator settles on an attempt's {@link Unjudged} outcome (a rejection of a request that cannot be
     * sent again) only after the caller cancelled, as it does when the attempt's stage completes on another thread
     * than the caller's, nobody receives that response: the decorator releases it, as it does a late result.
     */
    @Test
    void anUnjudgedOutcomeArrivingAfterItsCallerCancelledIsReleasedNotLost() throws Exception {
        refresher.release();
        assertThat(execution().run(tokens, null, null)).isEqualTo("sent with t1");
        CompletableFuture<Object> inFlight = new CompletableFuture<>();
        CompletableFuture<Object> cancelled = tokens.executeCompletionStage(token -> inFlight).toCompletableFuture();
        AtomicBoolean closed = new AtomicBoolean();

        assertThat(cancelled.cancel(false)).isTrue();
        inFlight.completeExceptionally(new Unjudged((AutoCloseable) () -> closed.set(true)));

        assertThat(closed).as("the rejected response of the cancelled call is closed").isTrue();
    }

    /** A token handed back without a verdict (OkHttp's authenticator) to a caller who cancelled reaches no consumer. */
    @Test
    void aTokenHandedBackWithoutAVerdictAfterItsCallerCancelledGoesToNoConsumer() throws Exception {
        refresher.release();
        AtomicReference<Object> consumed = new AtomicReference<>();
        TokenRefreshDecorator consuming = TokenRefreshDecorator.of("orders-api", TokenRefreshConfig.custom()
            .consumeResultBeforeRetryAttempt(consumed::set).build(), refresher);
        AccessToken token = consuming.executeFunction(t -> t);
        CompletableFuture<Object> inFlight = new CompletableFuture<>();
        CompletableFuture<Object> cancelled = consuming.executeCompletionStage(t -> inFlight).toCompletableFuture();

        assertThat(cancelled.cancel(false)).isTrue();
        inFlight.completeExceptionally(new Unjudged(token));

        assertThat(consumed).hasValue(null);
    }

    /**
     * An attempt the cancelled call never ran ends without a verdict: even a {@code refreshOnException} that matches
     * the client's cancellation exception (an {@code IOException} here) does not reject the token, which would start
     * a refresh for the other callers. The cancel arrives as the decorator hands the attempt over.
     */
    @Test
    void anAttemptTheCancelledCallNeverRanRejectsNoToken() throws Exception {
        refresher.release();
        TokenRefreshDecorator judging = TokenRefreshDecorator.of("orders-api", TokenRefreshConfig.custom()
            .refreshOnException(e -> e instanceof IOException).build(), refresher);
        assertThat(execution().run(judging, null, null)).isEqualTo("sent with t1");
        CancellableExecution<String> execution = execution();
        execution.cancel();

        assertThatThrownBy(() -> execution.run(judging, null, null)).isInstanceOf(InterruptedIOException.class);
        assertThat(attempts).as("nothing was sent for the cancelled call").hasValue(1);
        assertThat(judging.getMetrics().getNumberOfRejectedTokens()).isZero();
        assertThat(refresher.calls).hasValue(1);
    }

    /**
     * A {@code beforeWait} or a polled cancellation that throws ends the call as a cancellation does: the call stops
     * waiting (it leaves the metric) and nothing is sent for it when the refresh completes.
     */
    @Test
    void aThrowingBeforeWaitOrCancellationCheckAbandonsTheCall() throws Exception {
        Future<String> beforeWaitThrew = callers.submit(() -> execution().run(tokens, null, () -> {
            throw new IllegalStateException("no dependency");
        }));
        Future<String> checkThrew = callers.submit(() -> execution().run(tokens, () -> {
            throw new IllegalStateException("no call");
        }, null));
        refresher.awaitHeld();

        assertThatThrownBy(() -> beforeWaitThrew.get(20, TimeUnit.SECONDS))
            .cause().isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> checkThrew.get(20, TimeUnit.SECONDS))
            .cause().isInstanceOf(IllegalStateException.class);
        assertThat(tokens.getMetrics().getNumberOfWaitingCalls()).as("neither call still waits").isZero();
        refresher.release();
        assertThat(execution().run(tokens, null, null)).isEqualTo("sent with t1");
        assertThat(attempts).as("nothing was sent for the calls that left").hasValue(1);
    }

    @Test
    void anUnjudgedOutcomeIsTheCallersOutcome() throws Exception {
        refresher.release();
        CancellableExecution<Object> execution = CancellableExecution.of(token -> {
            throw new Unjudged("kept as it is");
        }, InterruptedIOException::new);

        assertThat(execution.run(tokens, null, null)).isEqualTo("kept as it is");
    }
}
