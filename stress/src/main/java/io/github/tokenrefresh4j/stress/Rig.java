package io.github.tokenrefresh4j.stress;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.ManualScheduler;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;

/**
 * One decorator per jcstress state, whose refresher hands out tokens "t1", "t2", ... and whose calls report "401"
 * for a rejected token. Refreshes run only when a test runs a task of its {@link CapturingExecutor}, and refresh
 * timeouts fire only when a test runs a task of its {@link ManualScheduler}.
 */
final class Rig {

    final CapturingExecutor executor = new CapturingExecutor();
    final ManualScheduler scheduler = new ManualScheduler();
    final AtomicInteger refresherCalls = new AtomicInteger();
    final TokenRefreshDecorator tokens;

    /**
     * @param failOnCall which refresher calls (1 for the first) throw instead of returning a token
     */
    Rig(Duration refreshTimeout, Duration failureCooldown, IntPredicate failOnCall) {
        tokens = TokenRefreshDecorator.of("stress", TokenRefreshConfig.custom()
            .refreshExecutor(executor)
            .scheduler(scheduler)
            .refreshTimeout(refreshTimeout)
            .failureCooldown(failureCooldown)
            .refreshOnResult("401"::equals)
            .build(), current -> {
                int call = refresherCalls.incrementAndGet();
                if (failOnCall.test(call)) {
                    throw new java.io.IOException("token endpoint answered 503");
                }
                return AccessToken.of("t" + call);
            });
    }

    Rig() {
        this(TokenRefreshConfig.DEFAULT_REFRESH_TIMEOUT, Duration.ZERO, call -> false);
    }

    /** Obtains the first token, "t1", and returns it. */
    AccessToken prime() {
        CompletableFuture<String> call = callAsync();
        executor.drainRefreshers();
        call.join();
        return tokens.currentToken();
    }

    /** An async call that answers with the value of the token it got. */
    CompletableFuture<String> callAsync() {
        return tokens.executeCompletionStage(token -> CompletableFuture.completedFuture(token.value()))
            .toCompletableFuture();
    }

    /** Waits, bounded, for a call that another thread completes. */
    static void awaitDone(CompletableFuture<?> call) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!call.isDone() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    /** What a caller saw: the token value, "pending", or the kind of {@link TokenRefreshException}. */
    static String outcome(CompletableFuture<String> call) {
        if (!call.isDone()) {
            return "pending";
        }
        try {
            return call.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (!(cause instanceof TokenRefreshException)) {
                return "undocumented " + cause.getClass().getSimpleName();
            }
            String message = String.valueOf(cause.getMessage());
            return message.contains("timed out") ? "timeout" : message.contains("refused") ? "refused" : "failed";
        }
    }
}
