package io.github.tokenrefresh4j.reliability;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefresher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * One fault each, injected into the refresher or around it: what the caller sees, and that no call hangs (every test
 * is bounded by {@link Timeout}, so a hang fails instead of blocking the build).
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class FaultInjectionTest {

    private static final String UNAUTHORIZED = "401";

    private final AtomicInteger refresherCalls = new AtomicInteger();

    private TokenRefreshDecorator decorator(TokenRefreshConfig.Builder config, TokenRefresher refresher) {
        return TokenRefreshDecorator.of("faults", config.refreshOnResult(UNAUTHORIZED::equals).build(), current -> {
            refresherCalls.incrementAndGet();
            return refresher.refresh(current);
        });
    }

    private TokenRefreshDecorator decorator(TokenRefresher refresher) {
        return decorator(TokenRefreshConfig.custom(), refresher);
    }

    private static Throwable callFails(TokenRefreshDecorator tokens) {
        return catchThrowable(() -> tokens.executeFunction(AccessToken::value));
    }

    @Test
    void refresherThrowingCheckedExceptionFailsTheCallWithItAsCause() {
        IOException endpointDown = new IOException("token endpoint refused the connection");
        Throwable seen = callFails(decorator(current -> {
            throw endpointDown;
        }));
        assertThat(seen).isInstanceOf(TokenRefreshException.class).hasCause(endpointDown)
            .hasMessageContaining("failed");
    }

    @Test
    void refresherThrowingRuntimeExceptionFailsTheCallWithItAsCause() {
        IllegalArgumentException badJson = new IllegalArgumentException("no access_token in response");
        Throwable seen = callFails(decorator(current -> {
            throw badJson;
        }));
        assertThat(seen).isInstanceOf(TokenRefreshException.class).hasCause(badJson);
    }

    @Test
    void refresherThrowingErrorFailsTheCallAndLeavesTheDecoratorUsable() {
        StackOverflowError error = new StackOverflowError("refresher recursed");
        AtomicBoolean broken = new AtomicBoolean(true);
        TokenRefreshDecorator tokens = decorator(TokenRefreshConfig.custom().failureCooldown(Duration.ZERO),
            current -> {
                if (broken.get()) {
                    throw error;
                }
                return AccessToken.of("fixed");
            });

        assertThat(callFails(tokens)).isInstanceOf(TokenRefreshException.class).hasCause(error);
        broken.set(false);
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("fixed");
        assertThat(tokens.getMetrics().getNumberOfWaitingCalls()).isZero();
    }

    @Test
    void refresherHangingPastTheTimeoutReleasesCallersAndItsLateTokenIsInstalledWithoutASecondCall() {
        CountDownLatch endpointAnswers = new CountDownLatch(1);
        TokenRefreshDecorator tokens = decorator(TokenRefreshConfig.custom()
            .refreshTimeout(Duration.ofMillis(100)).failureCooldown(Duration.ZERO), current -> {
                endpointAnswers.await();
                return AccessToken.of("late");
            });

        Throwable seen = callFails(tokens);
        endpointAnswers.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> tokens.currentToken() != null);

        assertThat(seen).isInstanceOf(TokenRefreshException.class).hasMessageContaining("timed out");
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("late");
        assertThat(refresherCalls).hasValue(1);
    }

    @Test
    void refresherReturningNullFailsTheCall() {
        Throwable seen = callFails(decorator(current -> null));
        assertThat(seen).isInstanceOf(TokenRefreshException.class)
            .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("null");
    }

    @Test
    void refresherReturningAnExpiredTokenFailsTheCallAndTheTokenIsNeverUsed() {
        TokenRefreshDecorator tokens = decorator(
            current -> AccessToken.of("expired", Instant.now().minusSeconds(1)));
        Throwable seen = callFails(tokens);
        assertThat(seen).isInstanceOf(TokenRefreshException.class)
            .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("expired");
        assertThat(tokens.currentToken()).isNull();
    }

    @Test
    void apiAnswering401ForeverEndsWithTheCallsOwnOutcomeAfterTwoTokensAndThenCostsNoTokenDuringTheCooldown() {
        TokenRefreshDecorator tokens = decorator(TokenRefreshConfig.custom().maxRefreshAttemptsPerCall(3)
            .failureCooldown(Duration.ofMinutes(1)), current -> AccessToken.of("t" + refresherCalls.get()));

        String result = tokens.executeFunction(token -> UNAUTHORIZED);

        assertThat(result).isEqualTo(UNAUTHORIZED);
        assertThat(refresherCalls).hasValue(2); // two fresh tokens rejected at once start the cooldown
        assertThat(tokens.getMetrics().getNumberOfRejectedTokens()).isEqualTo(2);
        assertThat(callFails(tokens)).isInstanceOf(TokenRefreshException.class).hasMessageContaining("refused");
        assertThat(refresherCalls).hasValue(2);
    }

    @Test
    void interruptedLeaderFailsAloneWhileTheRefreshGoesOnForTheOthers() throws Exception {
        interruptedWaiterFailsAlone(true);
    }

    @Test
    void interruptedNonLeaderFailsAloneWhileTheRefreshGoesOnForTheOthers() throws Exception {
        interruptedWaiterFailsAlone(false);
    }

    private void interruptedWaiterFailsAlone(boolean interruptLeader) throws Exception {
        CountDownLatch refresherStarted = new CountDownLatch(1);
        CountDownLatch endpointAnswers = new CountDownLatch(1);
        TokenRefreshDecorator tokens = decorator(current -> {
            refresherStarted.countDown();
            endpointAnswers.await();
            return AccessToken.of("shared");
        });
        AtomicReference<Object> leaderSaw = new AtomicReference<>();
        AtomicReference<Object> otherSaw = new AtomicReference<>();
        AtomicBoolean leaderInterruptFlag = new AtomicBoolean();
        AtomicBoolean otherInterruptFlag = new AtomicBoolean();
        Thread leader = new Thread(() -> see(tokens, leaderSaw, leaderInterruptFlag));
        leader.start();
        refresherStarted.await();
        Thread other = new Thread(() -> see(tokens, otherSaw, otherInterruptFlag));
        other.start();
        await().until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 2);

        Thread interrupted = interruptLeader ? leader : other;
        interrupted.interrupt();
        interrupted.join();
        endpointAnswers.countDown();
        leader.join();
        other.join();

        Object interruptedSaw = interruptLeader ? leaderSaw.get() : otherSaw.get();
        Object survivorSaw = interruptLeader ? otherSaw.get() : leaderSaw.get();
        assertThat(interruptedSaw).isInstanceOf(TokenRefreshException.class);
        assertThat((Throwable) interruptedSaw).hasMessageContaining("interrupted");
        assertThat(interruptLeader ? leaderInterruptFlag.get() : otherInterruptFlag.get())
            .as("the interrupt status is kept").isTrue();
        assertThat(survivorSaw).isEqualTo("shared");
        assertThat(refresherCalls).hasValue(1);
        assertThat(tokens.getMetrics().getNumberOfWaitingCalls()).isZero();
    }

    private static void see(TokenRefreshDecorator tokens, AtomicReference<Object> saw, AtomicBoolean interruptFlag) {
        try {
            saw.set(tokens.executeFunction(AccessToken::value));
        } catch (RuntimeException e) {
            saw.set(e);
        }
        interruptFlag.set(Thread.currentThread().isInterrupted());
    }

    @Test
    void cancelledAsyncCallIsNeverMadeAndReleasesItsWaitingSlot() {
        CountDownLatch endpointAnswers = new CountDownLatch(1);
        TokenRefreshDecorator tokens = decorator(current -> {
            endpointAnswers.await();
            return AccessToken.of("t1");
        });
        AtomicInteger callsMade = new AtomicInteger();

        CompletableFuture<String> call = tokens.executeCompletionStage((AccessToken token) -> {
            callsMade.incrementAndGet();
            return CompletableFuture.completedFuture(token.value());
        }).toCompletableFuture();
        assertThat(call.cancel(true)).isTrue();
        endpointAnswers.countDown();

        await().until(() -> tokens.getMetrics().getNumberOfSuccessfulRefreshes() == 1
            && tokens.getMetrics().getNumberOfWaitingCalls() == 0);
        assertThat(callsMade).hasValue(0);
        assertThat(call).isCancelled();
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("t1");
    }

    @Test
    void throwingEventConsumerBreaksNeitherCallsNorRefreshes() {
        AtomicBoolean fail = new AtomicBoolean(true);
        TokenRefreshDecorator tokens = decorator(TokenRefreshConfig.custom().failureCooldown(Duration.ZERO),
            current -> {
                if (fail.getAndSet(false)) {
                    throw new IOException("endpoint down");
                }
                return AccessToken.of("t" + refresherCalls.get());
            });
        tokens.getEventPublisher().onEvent(event -> {
            throw new IllegalStateException("consumer bug");
        });

        assertThat(callFails(tokens)).isInstanceOf(TokenRefreshException.class)
            .cause().isInstanceOf(IOException.class);
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("t2");
        assertThat(tokens.<String>executeFunction(token -> token.value().equals("t2") ? UNAUTHORIZED : token.value()))
            .isEqualTo("t3");
        assertThat(tokens.getMetrics().getNumberOfWaitingCalls()).isZero();
    }

    @Test
    void executorRejectingTheRefreshFailsTheCallWithTheRejection() {
        TokenRefreshDecorator tokens = decorator(TokenRefreshConfig.custom().refreshExecutor(task -> {
            throw new RejectedExecutionException("pool saturated");
        }), current -> AccessToken.of("never"));

        Throwable seen = callFails(tokens);

        assertThat(seen).isInstanceOf(TokenRefreshException.class)
            .cause().isInstanceOf(RejectedExecutionException.class);
        assertThat(refresherCalls).hasValue(0);
        assertThat(tokens.getMetrics().getNumberOfWaitingCalls()).isZero();
    }
}
