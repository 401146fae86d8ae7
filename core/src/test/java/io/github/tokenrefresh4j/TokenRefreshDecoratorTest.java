package io.github.tokenrefresh4j;

import io.github.resilience4j.core.IntervalFunction;
import io.github.tokenrefresh4j.event.TokenRefreshEvent;
import io.github.tokenrefresh4j.event.TokenRefreshSucceededEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

@Timeout(value = 30, unit = SECONDS)
class TokenRefreshDecoratorTest {

    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private final ScriptedRefresher refresher = new ScriptedRefresher();
    private final MutableClock clock = new MutableClock(START);
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    private TokenRefreshConfig.Builder config() {
        return TokenRefreshConfig.custom()
            .refreshOnResult(Response::isUnauthorized)
            .refreshOnException(t -> t instanceof Unauthorized)
            .failureCooldown(Duration.ZERO)
            .clock(clock);
    }

    private TokenRefreshDecorator decorator(TokenRefreshConfig config) {
        return TokenRefreshDecorator.of("orders", config, refresher);
    }

    /** A call that accepts only the tokens in {@code valid} and answers 401 otherwise. */
    private static Supplier<Response> api(TokenRefreshDecorator decorator, Set<String> valid) {
        return TokenRefreshDecorator.decorateFunction(decorator,
            token -> new Response(valid.contains(token.value()) ? 200 : 401, token.value()));
    }

    private List<Future<Response>> startAll(int n, Supplier<Response> call) {
        CyclicBarrier barrier = new CyclicBarrier(n);
        List<Future<Response>> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            results.add(pool.submit(() -> {
                barrier.await();
                return call.get();
            }));
        }
        return results;
    }

    static final class Unauthorized extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unauthorized() {
            super("401");
        }
    }

    @Nested
    class SingleFlight {

        @Test
        void concurrentFirstCallsShareOneRefresh() throws Exception {
            TokenRefreshDecorator decorator = decorator(config().build());
            refresher.hold();
            List<Future<Response>> results = startAll(20, api(decorator, Set.of("t1")));

            await().until(() -> decorator.getMetrics().getNumberOfWaitingCalls() == 20);
            refresher.open();

            for (Future<Response> result : results) {
                assertThat(result.get().status).isEqualTo(200);
            }
            assertThat(refresher.calls).hasValue(1);
            assertThat(decorator.getMetrics().getNumberOfCoalescedCalls()).isEqualTo(19);
            assertThat(decorator.getMetrics().getNumberOfWaitingCalls()).isZero();
            // counted on the refresher's thread after it released the calls
            await().until(() -> decorator.getMetrics().getNumberOfSuccessfulRefreshes() == 1);
        }

        @Test
        void callsRejectingTheSameTokenShareOneRefreshAndRetryWithTheNewToken() throws Exception {
            TokenRefreshDecorator decorator = decorator(config().build());
            assertThat(decorator.executeFunction(AccessToken::value)).isEqualTo("t1");
            // All 16 calls are in flight with t1 before any of them hears its 401.
            CyclicBarrier allSentWithT1 = new CyclicBarrier(16);
            Supplier<Response> call = TokenRefreshDecorator.decorateFunction(decorator, token -> {
                if (token.value().equals("t1")) {
                    awaitBarrier(allSentWithT1);
                    return new Response(401, "t1");
                }
                return new Response(200, token.value());
            });

            refresher.hold();
            List<Future<Response>> results = startAll(16, call);
            await().until(() -> decorator.getMetrics().getNumberOfWaitingCalls() == 16);
            refresher.open();

            for (Future<Response> result : results) {
                Response response = result.get();
                assertThat(response.status).isEqualTo(200);
                assertThat(response.token).isEqualTo("t2");
            }
            assertThat(refresher.calls).hasValue(2);
            assertThat(refresher.maxRunning).hasValue(1);
            assertThat(decorator.getMetrics().getNumberOfRejectedTokens()).isEqualTo(16);
            assertThat(decorator.getMetrics().getNumberOfCoalescedCalls()).isEqualTo(15);
        }

        @Test
        void refresherGetsTheTokenItReplaces() {
            TokenRefreshDecorator decorator = decorator(config().build());
            AccessToken first = decorator.executeFunction(token -> token);
            decorator.invalidate();
            decorator.executeFunction(token -> token);

            assertThat(refresher.given).containsExactly(first);
        }
    }

    @Nested
    class StaleTokenCheck {

        @Test
        void lateRejectionOfReplacedTokenRetriesWithCurrentTokenWithoutSecondRefresh() throws Exception {
            TokenRefreshDecorator decorator = decorator(config().build());
            List<Boolean> staleFlags = new CopyOnWriteArrayList<>();
            decorator.getEventPublisher().onTokenRejected(event -> staleFlags.add(event.isStale()));
            Set<String> valid = ConcurrentHashMap.newKeySet();
            valid.add("t1");
            decorator.executeFunction(token -> token); // t1

            CountDownLatch slowCallSent = new CountDownLatch(1);
            CountDownLatch answerSlowCall = new CountDownLatch(1);
            Future<Response> slow = pool.submit(() -> decorator.executeFunction(token -> {
                if (token.value().equals("t1")) {
                    slowCallSent.countDown();
                    awaitLatch(answerSlowCall);
                }
                return new Response(valid.contains(token.value()) ? 200 : 401, token.value());
            }));
            slowCallSent.await();

            // The server revokes t1; a fast call notices and refreshes to t2.
            valid.clear();
            valid.add("t2");
            assertThat(api(decorator, valid).get().token).isEqualTo("t2");
            assertThat(refresher.calls).hasValue(2);

            // Long after that refresh, the slow call's 401 for t1 arrives.
            answerSlowCall.countDown();
            Response response = slow.get();

            assertThat(response.status).isEqualTo(200);
            assertThat(response.token).isEqualTo("t2");
            assertThat(refresher.calls).hasValue(2);
            assertThat(decorator.getMetrics().getNumberOfRejectedTokens()).isEqualTo(2);
            assertThat(staleFlags).containsExactly(false, true);
        }
    }

    @Nested
    class RejectionDetection {

        @Test
        void rejectingExceptionRefreshesAndRetries() {
            TokenRefreshDecorator decorator = decorator(config().build());
            AtomicInteger attempts = new AtomicInteger();
            String result = decorator.executeFunction(token -> {
                if (attempts.getAndIncrement() == 0) {
                    throw new Unauthorized();
                }
                return token.value();
            });

            assertThat(result).isEqualTo("t2");
            assertThat(decorator.getMetrics().getNumberOfRejectedTokens()).isEqualTo(1);
        }

        @Test
        void otherExceptionPassesThroughUnchangedWithoutRefresh() {
            TokenRefreshDecorator decorator = decorator(config().build());
            IllegalStateException boom = new IllegalStateException("boom");

            Throwable thrown = catchThrowable(() -> decorator.executeFunction(token -> {
                throw boom;
            }));

            assertThat(thrown).isSameAs(boom);
            assertThat(refresher.calls).hasValue(1);
            assertThat(decorator.getMetrics().getNumberOfRejectedTokens()).isZero();
        }

        @Test
        void checkedExceptionPassesThroughUnchanged() {
            TokenRefreshDecorator decorator = decorator(config().build());
            IOException io = new IOException("network");
            Callable<String> callable = TokenRefreshDecorator.decorateCallable(decorator, () -> {
                throw io;
            });

            assertThat(catchThrowable(callable::call)).isSameAs(io);
        }

        @Test
        void asyncExceptionPredicateSeesTheRealCause() throws Exception {
            TokenRefreshDecorator decorator = decorator(config().build());
            AtomicInteger attempts = new AtomicInteger();
            Supplier<CompletionStage<String>> call = TokenRefreshDecorator.decorateCompletionStage(decorator,
                token -> attempts.getAndIncrement() == 0
                    ? CompletableFuture.supplyAsync(() -> {
                        throw new Unauthorized();
                    }, pool)
                    : CompletableFuture.completedFuture(token.value()));

            assertThat(call.get().toCompletableFuture().get(5, SECONDS)).isEqualTo("t2");
        }

        @Test
        void asyncOtherFailurePassesThroughAsTheSameInstance() {
            TokenRefreshDecorator decorator = decorator(config().build());
            IllegalStateException boom = new IllegalStateException("boom");
            CompletionStage<String> stage = decorator.executeCompletionStage(token ->
                CompletableFuture.supplyAsync(() -> {
                    throw boom;
                }, pool));

            Throwable thrown = catchThrowable(() -> stage.toCompletableFuture().join());
            assertThat(thrown).isInstanceOf(CompletionException.class).hasCauseReference(boom);
        }

        @Test
        void supplierReadsTheTokenBoundToItsAttempt() {
            TokenRefreshDecorator decorator = decorator(config().build());
            AtomicInteger attempts = new AtomicInteger();
            List<String> seen = new ArrayList<>();
            Supplier<Response> call = TokenRefreshDecorator.decorateSupplier(decorator, () -> {
                String token = decorator.currentToken().value();
                seen.add(token);
                return new Response(attempts.getAndIncrement() == 0 ? 401 : 200, token);
            });

            assertThat(call.get().status).isEqualTo(200);
            assertThat(seen).containsExactly("t1", "t2");
        }

        @Test
        void nestedDecoratedCallsOnOneThreadEachSeeTheirOwnTokenAndTheOuterOneIsRestored() {
            TokenRefreshDecorator outer = decorator(config().build());
            TokenRefreshDecorator inner = TokenRefreshDecorator.of("inner", config().build(),
                current -> AccessToken.of("inner-token"));
            List<String> seen = new ArrayList<>();

            TokenRefreshDecorator.decorateSupplier(outer, () -> {
                seen.add(outer.currentToken().value());
                outer.invalidate(); // the nested call gets t2, while this attempt still holds t1
                TokenRefreshDecorator.decorateSupplier(outer, () -> seen.add("nested " + outer.currentToken().value()))
                    .get();
                TokenRefreshDecorator.decorateSupplier(inner, () -> seen.add(inner.currentToken().value())).get();
                seen.add(outer.currentToken().value());
                return null;
            }).get();

            assertThat(seen).containsExactly("t1", "nested t2", "inner-token", "t1");
        }

        @Test
        void runnableRefreshesOnRejectingException() {
            TokenRefreshDecorator decorator = decorator(config().build());
            AtomicInteger attempts = new AtomicInteger();
            List<String> seen = new ArrayList<>();
            TokenRefreshDecorator.decorateRunnable(decorator, () -> {
                seen.add(decorator.currentToken().value());
                if (attempts.getAndIncrement() == 0) {
                    throw new Unauthorized();
                }
            }).run();

            assertThat(seen).containsExactly("t1", "t2");
        }
    }

    @Nested
    class Bounded {

        @Test
        void apiThatAlwaysRejectsGetsItsOwnResultAfterOneRetry() {
            TokenRefreshDecorator decorator = decorator(config().build());
            Response response = api(decorator, Set.of()).get();

            assertThat(response.status).isEqualTo(401);
            assertThat(refresher.calls).hasValue(2);
            assertThat(decorator.getMetrics().getNumberOfRejectedTokens()).isEqualTo(2);
        }

        @Test
        void discardedRejectedResultsAreClosedButTheReturnedOneIsNot() {
            TokenRefreshDecorator decorator = decorator(config().refreshOnResult(r -> true).build());
            List<Boolean> closed = new CopyOnWriteArrayList<>();
            List<AutoCloseable> results = new ArrayList<>();

            AutoCloseable returned = decorator.executeFunction(token -> {
                int index = closed.size();
                closed.add(false);
                AutoCloseable result = () -> closed.set(index, true);
                results.add(result);
                return result;
            });

            assertThat(returned).isSameAs(results.get(1));
            assertThat(closed).containsExactly(true, false);
        }

        @Test
        void customConsumerReleasesRejectedResultsBeforeTheRetry() throws Exception {
            List<Response> consumed = new CopyOnWriteArrayList<>();
            TokenRefreshDecorator decorator = decorator(config().consumeResultBeforeRetryAttempt(r ->
                consumed.add((Response) r)).build());

            Response sync = api(decorator, Set.of()).get();
            Response async = decorator.executeCompletionStage(token ->
                CompletableFuture.completedFuture(new Response(401, token.value()))).toCompletableFuture().get();

            assertThat(consumed).hasSize(2).doesNotContain(sync, async);
            assertThat(consumed).allSatisfy(r -> assertThat(r.status).isEqualTo(401));
        }

        @Test
        void maxRefreshAttemptsPerCallBoundsTheRounds() {
            TokenRefreshDecorator decorator = decorator(config().maxRefreshAttemptsPerCall(3).build());
            Response response = api(decorator, Set.of()).get();

            assertThat(response.status).isEqualTo(401);
            assertThat(refresher.calls).hasValue(4);
        }

        @Test
        void lastRejectingExceptionReachesTheCallerUnchanged() {
            TokenRefreshDecorator decorator = decorator(config().build());
            List<Unauthorized> thrown = new ArrayList<>();

            Throwable caught = catchThrowable(() -> decorator.executeFunction(token -> {
                Unauthorized e = new Unauthorized();
                thrown.add(e);
                throw e;
            }));

            assertThat(thrown).hasSize(2);
            assertThat(caught).isSameAs(thrown.get(1));
        }

        @Test
        void asyncCallIsBoundedToo() throws Exception {
            TokenRefreshDecorator decorator = decorator(config().build());
            CompletionStage<Response> stage = decorator.executeCompletionStage(token ->
                CompletableFuture.completedFuture(new Response(401, token.value())));

            assertThat(stage.toCompletableFuture().get(5, SECONDS).status).isEqualTo(401);
            assertThat(refresher.calls).hasValue(2);
        }
    }

    @Nested
    class Failure {

        @Test
        void failedRefreshFailsEveryWaiterOnceWithTheCauseInTheChain() throws Exception {
            IOException endpointDown = new IOException("connection refused");
            refresher.failingWith(endpointDown).hold();
            TokenRefreshDecorator decorator = decorator(config().failureCooldown(Duration.ofSeconds(5)).build());
            AtomicInteger callsMade = new AtomicInteger();
            Supplier<String> call = TokenRefreshDecorator.decorateFunction(decorator, token -> {
                callsMade.incrementAndGet();
                return token.value();
            });
            List<Future<String>> results = new ArrayList<>();
            CyclicBarrier barrier = new CyclicBarrier(10);
            for (int i = 0; i < 10; i++) {
                results.add(pool.submit(() -> {
                    barrier.await();
                    return call.get();
                }));
            }
            await().until(() -> decorator.getMetrics().getNumberOfWaitingCalls() == 10);
            refresher.open();

            for (Future<String> result : results) {
                Throwable failure = catchThrowable(result::get).getCause();
                assertThat(failure).isInstanceOf(TokenRefreshException.class)
                    .hasMessage("token refresh of 'orders' failed; next attempt allowed in 5000ms; "
                        + "cause: java.io.IOException: connection refused")
                    .hasCauseReference(endpointDown);
            }
            assertThat(refresher.calls).hasValue(1);
            assertThat(callsMade).hasValue(0);
            await().until(() -> decorator.getMetrics().getNumberOfFailedRefreshes() == 1);
        }

        @Test
        void duringCooldownCallsFailFastWithoutCallingTheRefresher() {
            IOException endpointDown = new IOException("down");
            refresher.failingWith(endpointDown);
            TokenRefreshDecorator decorator = decorator(config().failureCooldown(Duration.ofSeconds(5)).build());
            List<TokenRefreshEvent.Type> events = new CopyOnWriteArrayList<>();
            decorator.getEventPublisher().onEvent(event -> events.add(event.getEventType()));
            Supplier<String> call = TokenRefreshDecorator.decorateFunction(decorator, AccessToken::value);
            assertThatThrownBy(call::get).isInstanceOf(TokenRefreshException.class);
            // published on the refresher's thread after it released the call, so the refusal below could race it
            await().until(() -> events.contains(TokenRefreshEvent.Type.REFRESH_FAILED));

            clock.advance(Duration.ofSeconds(4));
            assertThatThrownBy(call::get).isInstanceOf(TokenRefreshException.class)
                .hasMessage("token refresh of 'orders' refused during the failure cooldown; next attempt allowed "
                    + "in 1000ms; cause of the last failure: java.io.IOException: down")
                .hasCauseReference(endpointDown);
            assertThat(refresher.calls).hasValue(1);

            clock.advance(Duration.ofSeconds(1));
            refresher.answer = n -> AccessToken.of("t" + n);
            assertThat(call.get()).isEqualTo("t2");
            // published on the refresher's thread too, after it released the call
            await().until(() -> events.contains(TokenRefreshEvent.Type.REFRESH_SUCCEEDED));
            assertThat(events).containsExactly(TokenRefreshEvent.Type.REFRESH_FAILED,
                TokenRefreshEvent.Type.REFRESH_REFUSED, TokenRefreshEvent.Type.REFRESH_SUCCEEDED);
        }

        @Test
        void cooldownBacksOffWithConsecutiveFailures() {
            refresher.failingWith(new IOException("down"));
            TokenRefreshDecorator decorator = decorator(config()
                .failureCooldown(IntervalFunction.ofExponentialBackoff(Duration.ofSeconds(1), 2))
                .build());
            Supplier<String> call = TokenRefreshDecorator.decorateFunction(decorator, AccessToken::value);

            assertThatThrownBy(call::get).hasMessageContaining("next attempt allowed in 1000ms");
            clock.advance(Duration.ofSeconds(1));
            assertThatThrownBy(call::get).hasMessageContaining("next attempt allowed in 2000ms");
            clock.advance(Duration.ofSeconds(2));
            assertThatThrownBy(call::get).hasMessageContaining("next attempt allowed in 4000ms");
            assertThat(refresher.calls).hasValue(3);
        }

        @Test
        void refresherReturningNullHasFailed() {
            refresher.answer = n -> null;
            TokenRefreshDecorator decorator = decorator(config().build());

            assertThatThrownBy(() -> decorator.executeFunction(AccessToken::value))
                .isInstanceOf(TokenRefreshException.class)
                .hasRootCauseInstanceOf(IllegalStateException.class)
                .hasRootCauseMessage("the refresher returned null instead of a token");
            assertThat(decorator.currentToken()).isNull();
        }

        @Test
        void refresherReturningAnExpiredTokenHasFailed() {
            refresher.expiresAt = START.minusSeconds(1);
            TokenRefreshDecorator decorator = decorator(config().build());

            assertThatThrownBy(() -> decorator.executeFunction(AccessToken::value))
                .isInstanceOf(TokenRefreshException.class)
                .hasRootCauseInstanceOf(IllegalStateException.class);
            assertThat(decorator.currentToken()).isNull();
            // counted by the refresher's thread after it released the call
            await().until(() -> decorator.getMetrics().getNumberOfFailedRefreshes() == 1);
        }

        @Test
        void refresherThrowingAnErrorFailsTheWaitersToo() {
            refresher.answer = n -> {
                throw new AssertionError("refresher bug");
            };
            TokenRefreshDecorator decorator = decorator(config().build());

            assertThatThrownBy(() -> decorator.executeFunction(AccessToken::value))
                .isInstanceOf(TokenRefreshException.class)
                .hasCauseInstanceOf(AssertionError.class);
        }

        @Test
        void executorThatRejectsTheRefreshFailsItCleanly() {
            TokenRefreshDecorator decorator = decorator(config().refreshExecutor(task -> {
                throw new RejectedExecutionException("saturated");
            }).build());

            assertThatThrownBy(() -> decorator.executeFunction(AccessToken::value))
                .isInstanceOf(TokenRefreshException.class)
                .hasCauseInstanceOf(RejectedExecutionException.class);
            assertThat(refresher.calls).hasValue(0);
        }

        @Test
        void executorThatQueuesTheRefreshAndThenRefusesItNeverRunsTheRefusedRefresherCall() {
            List<Runnable> queued = new ArrayList<>();
            TokenRefreshDecorator decorator = decorator(config().refreshExecutor(task -> {
                queued.add(task); // a pool that queues, then finds itself shut down and throws
                throw new RejectedExecutionException("shut down after queueing");
            }).build());

            assertThatThrownBy(() -> decorator.executeFunction(AccessToken::value))
                .isInstanceOf(TokenRefreshException.class)
                .hasCauseInstanceOf(RejectedExecutionException.class);
            queued.forEach(Runnable::run); // the queue drains later anyway

            assertThat(refresher.calls).hasValue(0); // its waiters failed: no refresh token is presented for it
        }
    }

    @Nested
    class Timeout {

        @Test
        void afterTheTimeoutACallWaitsForTheSameRefresherCallAndGetsItsLateToken() throws Exception {
            ManualScheduler scheduler = new ManualScheduler();
            refresher.hold();
            TokenRefreshDecorator decorator = decorator(config().scheduler(scheduler)
                .refreshTimeout(Duration.ofMillis(200)).build());

            Future<String> first = pool.submit(() -> decorator.executeFunction(AccessToken::value));
            await().until(() -> decorator.getMetrics().getNumberOfWaitingCalls() == 1);
            scheduler.takeScheduled().run();
            assertThat(catchThrowable(first::get)).cause().isInstanceOf(TokenRefreshException.class)
                .hasMessageContaining("timed out")
                .hasCauseInstanceOf(TimeoutException.class);

            Future<String> second = pool.submit(() -> decorator.executeFunction(AccessToken::value));
            await().until(() -> decorator.getMetrics().getNumberOfWaitingCalls() == 1);
            refresher.open();

            assertThat(second.get()).isEqualTo("t1");
            assertThat(refresher.calls).hasValue(1);
            // counted on the refresher's thread after it released the call
            await().until(() -> decorator.getMetrics().getNumberOfSuccessfulRefreshes() == 1);
            await().until(() -> decorator.getMetrics().getNumberOfFailedRefreshes() == 1);
        }
    }

    @Nested
    class Scheduler {

        @Test
        void injectedSchedulerDecidesWhenTheRefreshTimesOut() throws Exception {
            ManualScheduler scheduler = new ManualScheduler();
            refresher.hold();
            TokenRefreshDecorator decorator = decorator(config().scheduler(scheduler).build());
            Future<String> waiting = pool.submit(() -> decorator.executeFunction(AccessToken::value));
            refresher.awaitEntered();
            await().until(() -> decorator.getMetrics().getNumberOfWaitingCalls() == 1);

            scheduler.takeScheduled().run();

            assertThat(catchThrowable(waiting::get)).cause().isInstanceOf(TokenRefreshException.class)
                .hasMessageContaining("timed out");
            refresher.open();
            await().until(() -> decorator.currentToken() != null); // nothing replaced what it refreshed
            assertThat(decorator.currentToken().value()).isEqualTo("t1");
        }

        @Test
        void schedulerThatRejectsTheTimeoutFailsTheRefreshInsteadOfLeavingWaitersUnbounded() {
            ManualScheduler rejecting = new ManualScheduler() {
                @Override
                public java.util.concurrent.ScheduledFuture<?> schedule(Runnable command, long delay,
                                                                       TimeUnit unit) {
                    throw new RejectedExecutionException("scheduler shut down");
                }
            };
            TokenRefreshDecorator decorator = decorator(config().scheduler(rejecting).build());

            assertThatThrownBy(() -> decorator.executeFunction(AccessToken::value))
                .isInstanceOf(TokenRefreshException.class).hasCauseInstanceOf(RejectedExecutionException.class);
            assertThat(refresher.calls).hasValue(0);
        }
    }

    @Nested
    class NothingHangs {

        @Test
        void timeoutReleasesWaitersEvenWhenTheRefreshExecutorIsStuckInTheHungRefresher() {
            ExecutorService oneThread = Executors.newSingleThreadExecutor();
            try {
                refresher.hold();
                TokenRefreshDecorator decorator = decorator(config().refreshExecutor(oneThread)
                    .refreshTimeout(Duration.ofMillis(100)).build());

                assertThatThrownBy(() -> decorator.executeFunction(AccessToken::value))
                    .isInstanceOf(TokenRefreshException.class).hasCauseInstanceOf(TimeoutException.class);
            } finally {
                refresher.open();
                oneThread.shutdownNow();
            }
        }

        @Test
        void consumerThrowingAnErrorStillReleasesEveryWaiter() {
            TokenRefreshDecorator decorator = decorator(config().build());
            decorator.getEventPublisher().onRefreshSucceeded(event -> {
                throw new AssertionError("consumer bug on the refresher's thread");
            });

            assertThat(decorator.executeFunction(AccessToken::value)).isEqualTo("t1");
            assertThat(decorator.getMetrics().getNumberOfWaitingCalls()).isZero();
        }

        @Test
        void cooldownFunctionThatThrowsMeansNoCooldownRatherThanAHang() {
            refresher.failingWith(new IOException("down"));
            TokenRefreshDecorator decorator = decorator(config().failureCooldown(attempt -> {
                throw new IllegalStateException("bad backoff");
            }).build());

            assertThatThrownBy(() -> decorator.executeFunction(AccessToken::value))
                .isInstanceOf(TokenRefreshException.class).hasMessageContaining("next attempt allowed in 0ms");
            assertThatThrownBy(() -> decorator.executeFunction(AccessToken::value))
                .isInstanceOf(TokenRefreshException.class).hasMessageContaining("failed;");
            assertThat(refresher.calls).hasValue(2);
        }
    }

    @Nested
    class ReEntrance {

        @Test
        void refresherCallingThroughItsOwnDecoratorFailsFastInsteadOfDeadlocking() {
            AtomicReference<TokenRefreshDecorator> self = new AtomicReference<>();
            TokenRefreshDecorator decorator = TokenRefreshDecorator.of("orders",
                config().refreshTimeout(Duration.ofMinutes(5)).build(),
                current -> AccessToken.of(self.get().executeFunction(AccessToken::value)));
            self.set(decorator);

            assertThatThrownBy(() -> decorator.executeFunction(AccessToken::value))
                .isInstanceOf(TokenRefreshException.class)
                .hasRootCauseInstanceOf(IllegalStateException.class)
                .rootCause().hasMessageContaining("called through its own decorator");
        }
    }

    @Nested
    class InterruptAndCancel {

        @Test
        void interruptedLeaderStopsWaitingKeepsItsFlagAndTheRefreshGoesOn() throws Exception {
            TokenRefreshDecorator decorator = decorator(config().build());
            refresher.hold();
            AtomicReference<Throwable> leaderFailure = new AtomicReference<>();
            AtomicReference<Boolean> leaderInterrupted = new AtomicReference<>();
            Thread leader = new Thread(() -> {
                try {
                    decorator.executeFunction(AccessToken::value);
                } catch (Throwable t) {
                    leaderFailure.set(t);
                    leaderInterrupted.set(Thread.currentThread().isInterrupted());
                }
            });
            leader.start();
            refresher.awaitEntered();
            Future<String> follower = pool.submit(() -> decorator.executeFunction(AccessToken::value));
            await().until(() -> decorator.getMetrics().getNumberOfWaitingCalls() == 2);

            leader.interrupt();
            leader.join();
            assertThat(leaderFailure.get()).isInstanceOf(TokenRefreshException.class)
                .hasMessageContaining("interrupted")
                .hasCauseInstanceOf(InterruptedException.class);
            assertThat(leaderInterrupted.get()).isTrue();

            refresher.open();
            assertThat(follower.get()).isEqualTo("t1");
            assertThat(refresher.calls).hasValue(1);
            assertThat(decorator.getMetrics().getNumberOfWaitingCalls()).isZero();
        }

        @Test
        void cancellingOneAsyncResultDoesNotCancelTheSharedRefresh() throws Exception {
            TokenRefreshDecorator decorator = decorator(config().build());
            refresher.hold();
            AtomicInteger callsMade = new AtomicInteger();
            Supplier<CompletionStage<String>> call = TokenRefreshDecorator.decorateCompletionStage(decorator,
                token -> {
                    callsMade.incrementAndGet();
                    return CompletableFuture.completedFuture(token.value());
                });
            CompletableFuture<String> cancelled = call.get().toCompletableFuture();
            CompletableFuture<String> kept = call.get().toCompletableFuture();

            assertThat(cancelled.cancel(true)).isTrue();
            refresher.open();

            assertThat(kept.get(5, SECONDS)).isEqualTo("t1");
            assertThat(cancelled).isCancelled();
            assertThat(callsMade).hasValue(1);
            assertThat(refresher.calls).hasValue(1);
        }

        @Test
        void resultArrivingAfterItsCallerCancelledIsReleasedNotLost() throws Exception {
            TokenRefreshDecorator decorator = decorator(config().build());
            decorator.executeSupplier(() -> "a token first, so that the call below runs at once");
            CompletableFuture<AutoCloseable> inFlight = new CompletableFuture<>();
            AtomicInteger callsMade = new AtomicInteger();
            CompletableFuture<AutoCloseable> cancelled = decorator.executeCompletionStage(token -> {
                callsMade.incrementAndGet();
                return inFlight;
            }).toCompletableFuture();
            AtomicBoolean closed = new AtomicBoolean();
            assertThat(callsMade).as("the call is running").hasValue(1);

            assertThat(cancelled.cancel(true)).isTrue();
            inFlight.complete(() -> closed.set(true)); // e.g. a response whose connection nobody else will release

            assertThat(closed).as("released through consumeResultBeforeRetryAttempt").isTrue();
        }
    }

    @Nested
    class Expiry {

        @Test
        void withinRefreshAheadARefreshRunsInTheBackgroundWhileCallsUseTheValidToken() throws Exception {
            refresher.expiresAt = START.plusSeconds(60);
            TokenRefreshDecorator decorator = decorator(config().refreshAhead(Duration.ofSeconds(10)).build());
            assertThat(decorator.executeFunction(AccessToken::value)).isEqualTo("t1");

            clock.advance(Duration.ofSeconds(45));
            assertThat(decorator.executeFunction(AccessToken::value)).isEqualTo("t1");
            assertThat(refresher.calls).hasValue(1);

            refresher.expiresAt = START.plusSeconds(120);
            refresher.hold();
            clock.advance(Duration.ofSeconds(10));
            assertThat(decorator.executeFunction(AccessToken::value)).isEqualTo("t1");
            refresher.awaitEntered();
            assertThat(decorator.executeFunction(AccessToken::value)).isEqualTo("t1");
            refresher.open();

            await().until(() -> decorator.getMetrics().getNumberOfSuccessfulRefreshes() == 2);
            assertThat(decorator.executeFunction(AccessToken::value)).isEqualTo("t2");
            assertThat(refresher.calls).hasValue(2);
        }

        @Test
        void atExpiryCallsWaitForTheRefreshInsteadOfSendingTheExpiredToken() {
            refresher.expiresAt = START.plusSeconds(60);
            TokenRefreshDecorator decorator = decorator(config().refreshAhead(Duration.ZERO).build());
            decorator.executeFunction(AccessToken::value);

            clock.advance(Duration.ofSeconds(59));
            assertThat(decorator.executeFunction(AccessToken::value)).isEqualTo("t1");
            refresher.expiresAt = START.plusSeconds(120);
            clock.advance(Duration.ofSeconds(1));

            assertThat(decorator.executeFunction(AccessToken::value)).isEqualTo("t2");
            assertThat(refresher.calls).hasValue(2);
        }

        @Test
        void failedBackgroundRefreshKeepsTheValidTokenAndRecordsTheFailure() {
            refresher.expiresAt = START.plusSeconds(60);
            TokenRefreshDecorator decorator = decorator(config().refreshAhead(Duration.ofSeconds(10))
                .failureCooldown(Duration.ofSeconds(3)).build());
            decorator.executeFunction(AccessToken::value);
            refresher.failingWith(new IOException("down"));

            clock.advance(Duration.ofSeconds(51));
            assertThat(decorator.executeFunction(AccessToken::value)).isEqualTo("t1");
            await().until(() -> decorator.getMetrics().getNumberOfFailedRefreshes() == 1);

            assertThat(decorator.executeFunction(AccessToken::value)).isEqualTo("t1");
            clock.advance(Duration.ofSeconds(1));
            assertThat(decorator.executeFunction(AccessToken::value)).isEqualTo("t1");
            assertThat(refresher.calls).hasValue(2);
        }

        @Test
        void refreshAheadIsCappedAtHalfTheTokenLifetime() {
            refresher.expiresAt = START.plusSeconds(20);
            TokenRefreshDecorator decorator = decorator(config().refreshAhead(Duration.ofMinutes(5)).build());
            decorator.executeFunction(AccessToken::value);

            clock.advance(Duration.ofSeconds(9));
            decorator.executeFunction(AccessToken::value);
            assertThat(refresher.calls).hasValue(1);

            refresher.expiresAt = START.plusSeconds(60);
            clock.advance(Duration.ofSeconds(1));
            decorator.executeFunction(AccessToken::value);
            await().until(() -> decorator.getMetrics().getNumberOfSuccessfulRefreshes() == 2);
        }

        @Test
        void onTheSystemClockTheFastPathSlowsDownBeforeExpirySoABackgroundRefreshStartsInTime() {
            Duration lifetime = Duration.ofMillis(1200);
            List<Instant> refreshStarts = new CopyOnWriteArrayList<>();
            List<Instant> previousExpiries = new CopyOnWriteArrayList<>();
            List<TokenRefreshSucceededEvent> successes = new CopyOnWriteArrayList<>();
            TokenRefreshDecorator decorator = TokenRefreshDecorator.of("system-clock",
                TokenRefreshConfig.custom().refreshAhead(Duration.ofMillis(200)).build(), current -> {
                    refreshStarts.add(Instant.now());
                    previousExpiries.add(current == null ? Instant.MAX : current.expiresAt().orElseThrow());
                    return AccessToken.of("token", Instant.now().plus(lifetime));
                });
            decorator.getEventPublisher().onRefreshSucceeded(successes::add);
            Supplier<AccessToken> call = TokenRefreshDecorator.decorateFunction(decorator, token -> token);

            await().atMost(Duration.ofSeconds(10)).until(() -> {
                call.get();
                return successes.size() >= 2;
            });

            assertThat(successes.get(1).isBackground()).isTrue();
            assertThat(refreshStarts.get(1)).isBefore(previousExpiries.get(1));
        }
    }

    @Nested
    class Async {

        @Test
        void twoThreadPoolCarriesFiveHundredAsyncCallsThroughOneRefresh() throws Exception {
            ExecutorService twoThreads = Executors.newFixedThreadPool(2);
            try {
                TokenRefreshDecorator decorator = decorator(config().build());
                refresher.hold();
                Supplier<CompletionStage<String>> call = TokenRefreshDecorator.decorateCompletionStage(decorator,
                    token -> CompletableFuture.supplyAsync(token::value, twoThreads));
                List<CompletableFuture<String>> results = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    results.add(CompletableFuture.supplyAsync(call, twoThreads)
                        .thenCompose(stage -> stage).toCompletableFuture());
                }

                await().until(() -> decorator.getMetrics().getNumberOfWaitingCalls() == 500);
                refresher.open();

                CompletableFuture.allOf(results.toArray(new CompletableFuture[0])).get(10, SECONDS);
                assertThat(results).allSatisfy(result -> assertThat(result.join()).isEqualTo("t1"));
                assertThat(refresher.calls).hasValue(1);
                assertThat(decorator.getMetrics().getNumberOfWaitingCalls()).isZero();
            } finally {
                twoThreads.shutdownNow();
            }
        }

        @Test
        void asyncWaitersGetTheRefreshFailure() {
            refresher.failingWith(new IOException("down"));
            TokenRefreshDecorator decorator = decorator(config().build());
            CompletionStage<String> stage = decorator.executeCompletionStage(
                token -> CompletableFuture.completedFuture(token.value()));

            assertThat(catchThrowable(() -> stage.toCompletableFuture().join()))
                .hasCauseInstanceOf(TokenRefreshException.class);
        }
    }

    @Nested
    class HotPath {

        @Test
        void callWithAValidTokenAllocatesNothing() {
            java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
            org.junit.jupiter.api.Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
            TokenRefreshDecorator decorator = TokenRefreshDecorator.of("hot",
                TokenRefreshConfig.ofDefaults(), current -> AccessToken.of("t"));
            String constant = "ok";
            Supplier<String> call = TokenRefreshDecorator.decorateFunction(decorator, token -> constant);
            for (int i = 0; i < 20_000; i++) {
                call.get();
            }

            long threadId = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(threadId);
            for (int i = 0; i < 100_000; i++) {
                call.get();
            }
            long allocated = threads.getThreadAllocatedBytes(threadId) - before;

            // One allocation per call would be at least 16 bytes each, 1.6 MB in all; what remains is one-off JIT noise.
            assertThat(allocated).as("bytes allocated by 100,000 calls").isLessThan(100_000);
        }
    }

    @Nested
    class EventsAndMetrics {

        @Test
        void consumerThatThrowsNeverBreaksACall() {
            TokenRefreshDecorator decorator = decorator(config().build());
            decorator.getEventPublisher().onEvent(event -> {
                throw new IllegalStateException("consumer bug");
            });

            assertThat(api(decorator, Set.of("t2")).get().status).isEqualTo(200);
        }

        @Test
        void eventsDescribeRefreshesRejectionsAndCoalescing() throws Exception {
            // A refresh publishes after it released its waiters: on the caller's thread, the order is the calls'.
            TokenRefreshDecorator decorator = decorator(config().refreshExecutor(Runnable::run).build());
            List<TokenRefreshEvent.Type> types = new CopyOnWriteArrayList<>();
            decorator.getEventPublisher().onEvent(event -> types.add(event.getEventType()));
            refresher.hold();
            List<Future<Response>> results = startAll(2, api(decorator, Set.of("t1")));
            refresher.awaitEntered();
            await().until(() -> decorator.getMetrics().getNumberOfWaitingCalls() == 1); // the other runs it
            refresher.open();
            for (Future<Response> result : results) {
                result.get();
            }
            decorator.invalidate();
            api(decorator, Set.of()).get();

            assertThat(types).containsExactly(TokenRefreshEvent.Type.CALL_COALESCED,
                TokenRefreshEvent.Type.REFRESH_SUCCEEDED, TokenRefreshEvent.Type.REFRESH_SUCCEEDED,
                TokenRefreshEvent.Type.TOKEN_REJECTED, TokenRefreshEvent.Type.REFRESH_SUCCEEDED,
                TokenRefreshEvent.Type.TOKEN_REJECTED);
        }
    }

    @Nested
    class Reasons {

        @Test
        void eachRefreshSaysWhyItRan() {
            refresher.expiresAt = START.plusSeconds(60);
            // on the caller's thread: a refresh publishes after releasing its waiters, so the order is the calls'
            TokenRefreshDecorator decorator = decorator(config().refreshAhead(Duration.ofSeconds(10))
                .refreshExecutor(Runnable::run).build());
            List<RefreshReason> succeeded = new CopyOnWriteArrayList<>();
            List<RefreshReason> failed = new CopyOnWriteArrayList<>();
            decorator.getEventPublisher()
                .onRefreshSucceeded(event -> succeeded.add(event.getReason()))
                .onRefreshFailed(event -> failed.add(event.getReason()));

            decorator.executeFunction(AccessToken::value);                                      // INITIAL
            clock.advance(Duration.ofSeconds(51));
            refresher.expiresAt = START.plusSeconds(120);
            decorator.executeFunction(AccessToken::value);                                      // AHEAD
            await().until(() -> succeeded.size() == 2);
            clock.advance(Duration.ofSeconds(70));
            refresher.expiresAt = START.plusSeconds(600);
            decorator.executeFunction(AccessToken::value);                                      // EXPIRED
            decorator.invalidate();
            decorator.executeFunction(AccessToken::value);                                      // INVALIDATED
            api(decorator, Set.of("t5")).get();                                                 // REJECTED
            refresher.failingWith(new IOException("down"));
            decorator.invalidate();
            catchThrowable(() -> decorator.executeFunction(AccessToken::value));               // INVALIDATED

            assertThat(succeeded).containsExactly(RefreshReason.INITIAL, RefreshReason.AHEAD, RefreshReason.EXPIRED,
                RefreshReason.INVALIDATED, RefreshReason.REJECTED);
            assertThat(failed).containsExactly(RefreshReason.INVALIDATED);
        }
    }

    @Nested
    class RejectedAtOnce {

        @Test
        void twoFreshTokensRejectedBeforeAnySuccessStartTheCooldownAndTheRetryEndsWithItsOwnOutcome() {
            TokenRefreshDecorator decorator = decorator(config().failureCooldown(Duration.ofSeconds(5)).build());
            Supplier<Response> call = api(decorator, Set.of());

            // t1 rejected, t2 rejected on the call's last retry: still recorded, and the cooldown starts
            assertThat(call.get().status).isEqualTo(401);
            assertThat(refresher.calls).hasValue(2);
            assertThatThrownBy(call::get).isInstanceOf(TokenRefreshException.class)
                .hasMessageContaining("refused during the failure cooldown")
                .hasMessageContaining("rejected before any call succeeded with them");
            CompletionStage<Response> async = decorator.executeCompletionStage(token ->
                CompletableFuture.completedFuture(new Response(401, token.value())));
            assertThat(catchThrowable(() -> async.toCompletableFuture().join()))
                .hasCauseInstanceOf(TokenRefreshException.class);
            assertThat(refresher.calls).hasValue(2);

            clock.advance(Duration.ofSeconds(5)); // one token request per cooldown, not one per wave
            assertThat(call.get().status).isEqualTo(401);
            assertThat(refresher.calls).hasValue(3);
            assertThatThrownBy(call::get).isInstanceOf(TokenRefreshException.class)
                .hasMessageContaining("the last 3 tokens");
            assertThat(refresher.calls).hasValue(3);
        }

        @Test
        void aTokenThatACallSucceededWithResetsTheCount() {
            Set<String> valid = ConcurrentHashMap.newKeySet();
            valid.add("t2");
            TokenRefreshDecorator decorator = decorator(config().failureCooldown(Duration.ofSeconds(5)).build());
            Supplier<Response> call = api(decorator, valid);

            assertThat(call.get().token).isEqualTo("t2"); // t1 rejected at once, t2 accepted
            valid.clear();
            valid.add("t4");
            assertThat(call.get().status).isEqualTo(401); // t2 (accepted) rejected, t3 rejected at once
            assertThat(call.get().token).isEqualTo("t4"); // only one in a row: no cooldown
            assertThat(refresher.calls).hasValue(4);
        }
    }

    @Nested
    class BadInput {

        @Test
        void nullNameConfigRefresherAndTagsAreRefusedNamingTheParameter() {
            TokenRefreshConfig config = TokenRefreshConfig.ofDefaults();
            assertThatThrownBy(() -> TokenRefreshDecorator.of(null, config, refresher))
                .isInstanceOf(NullPointerException.class).hasMessage("name must not be null");
            assertThatThrownBy(() -> TokenRefreshDecorator.of("n", null, refresher))
                .isInstanceOf(NullPointerException.class).hasMessage("config must not be null");
            assertThatThrownBy(() -> TokenRefreshDecorator.of("n", config, null))
                .isInstanceOf(NullPointerException.class).hasMessage("refresher must not be null");
            assertThatThrownBy(() -> TokenRefreshDecorator.of("n", config, refresher, null))
                .isInstanceOf(NullPointerException.class).hasMessage("tags must not be null");
        }

        @Test
        void nullCallIsRefused() {
            TokenRefreshDecorator decorator = decorator(config().build());
            assertThatThrownBy(() -> decorator.executeCheckedFunction(null))
                .isInstanceOf(NullPointerException.class).hasMessage("function must not be null");
            assertThatThrownBy(() -> decorator.executeCompletionStage(null))
                .isInstanceOf(NullPointerException.class).hasMessage("function must not be null");
        }
    }

    private static void awaitBarrier(CyclicBarrier barrier) {
        try {
            barrier.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
