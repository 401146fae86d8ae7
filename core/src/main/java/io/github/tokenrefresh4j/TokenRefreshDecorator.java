package io.github.tokenrefresh4j;

import io.github.resilience4j.core.EventConsumer;
import io.github.resilience4j.core.functions.CheckedFunction;
import io.github.resilience4j.core.functions.CheckedRunnable;
import io.github.resilience4j.core.functions.CheckedSupplier;
import io.github.tokenrefresh4j.event.CallCoalescedEvent;
import io.github.tokenrefresh4j.event.RefreshRefusedEvent;
import io.github.tokenrefresh4j.event.TokenRefreshEvent;
import io.github.tokenrefresh4j.event.TokenRefreshFailedEvent;
import io.github.tokenrefresh4j.event.TokenRefreshSucceededEvent;
import io.github.tokenrefresh4j.event.TokenRejectedEvent;
import io.github.tokenrefresh4j.internal.TokenRefreshDecoratorImpl;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Decorates calls to a token-protected API so that an expired or rejected access token is refreshed once, however
 * many calls notice it at the same moment, and every call retries with the new token.
 *
 * <pre>{@code
 * TokenRefreshDecorator tokens = TokenRefreshDecorator.of("orders-api",
 *     TokenRefreshConfig.custom()
 *         .refreshOnResult(r -> r instanceof HttpResponse<?> resp && resp.statusCode() == 401)
 *         .build(),
 *     current -> tokenEndpoint.fetch(current));
 *
 * Supplier<HttpResponse<String>> getOrders = TokenRefreshDecorator.decorateFunction(tokens,
 *     token -> http.send(request.header("Authorization", "Bearer " + token.value()).build(), ofString()));
 * }</pre>
 *
 * <p>What it guarantees:
 * <ul>
 *   <li>At most one refresher call runs at a time, including one whose waiters the refresh timeout released; every
 *       call that needs a new token meanwhile waits for that same call.</li>
 *   <li>A call rejected with a token that was already replaced retries with the current token and starts no
 *       refresh, however late its rejection arrives.</li>
 *   <li>A call makes at most {@link TokenRefreshConfig#getMaxRefreshAttemptsPerCall()} retries after rejections;
 *       then its own last outcome reaches the caller unchanged.</li>
 *   <li>A failed refresh fails each waiting call once with a {@link TokenRefreshException}; during the
 *       {@link TokenRefreshConfig#getFailureCooldown() failure cooldown} calls that need a new token fail fast.</li>
 *   <li>No call waits longer than the {@link TokenRefreshConfig#getRefreshTimeout() refresh timeout} for a refresh.
 *       The refresher call is not interrupted; its late token is installed exactly when the token it refreshed is
 *       still the current one, so a rotated refresh token is never lost. A refresher needs its own I/O
 *       timeouts.</li>
 *   <li>A token with a known expiry is refreshed ahead of it in the background and not handed out after it; on
 *       the clock-free fast path that rests on a check that reads the wall clock every second, so after a host or
 *       VM suspend an expired token can be handed out for at most about a second after the resume.</li>
 *   <li>Two new tokens in a row that calls reject before any call succeeded with them start the failure
 *       cooldown, as a failed refresh does.</li>
 * </ul>
 *
 * <p>Compose with Resilience4j so that the retry sees the outcome after the token was handled:
 * {@code Decorators.ofSupplier(TokenRefreshDecorator.decorateFunction(tokens, call)).withCircuitBreaker(cb)
 * .withRetry(retry)}.
 */
public interface TokenRefreshDecorator {

    /**
     * Creates a decorator.
     *
     * @param name      the name, used in events, metrics and messages
     * @param config    the configuration
     * @param refresher obtains new tokens
     * @return the decorator
     * @throws NullPointerException naming the parameter that is null
     */
    static TokenRefreshDecorator of(String name, TokenRefreshConfig config, TokenRefresher refresher) {
        return of(name, config, refresher, Collections.emptyMap());
    }

    /**
     * Creates a decorator with tags for its metrics.
     *
     * @param tags tags added to every meter of this decorator
     * @see #of(String, TokenRefreshConfig, TokenRefresher)
     */
    static TokenRefreshDecorator of(String name, TokenRefreshConfig config, TokenRefresher refresher,
                                    Map<String, String> tags) {
        return new TokenRefreshDecoratorImpl(name, config, refresher, tags);
    }

    /** Creates a decorator with the default configuration. */
    static TokenRefreshDecorator ofDefaults(String name, TokenRefresher refresher) {
        return of(name, TokenRefreshConfig.ofDefaults(), refresher);
    }

    /**
     * Decorates a call that reads its token from {@link #currentToken()}, which inside the call returns the token
     * bound to this attempt.
     */
    static <T> Supplier<T> decorateSupplier(TokenRefreshDecorator decorator, Supplier<T> supplier) {
        if (decorator instanceof TokenRefreshDecoratorImpl) { // its hot path written out, for the JIT's inlining
            return ((TokenRefreshDecoratorImpl) decorator).decorateSupplier(supplier);
        }
        CheckedSupplier<T> checked = supplier::get;
        return () -> unchecked(decorator, checked);
    }

    /** Decorates a call that gets its token as the argument. */
    static <T> Supplier<T> decorateFunction(TokenRefreshDecorator decorator, Function<AccessToken, T> function) {
        CheckedFunction<AccessToken, T> checked = function::apply;
        return () -> unchecked(decorator, checked);
    }

    /** Decorates a call that gets its token as the argument and may throw checked exceptions. */
    static <T> CheckedSupplier<T> decorateCheckedFunction(TokenRefreshDecorator decorator,
                                                          CheckedFunction<AccessToken, T> function) {
        return () -> decorator.executeCheckedFunction(function);
    }

    /** Decorates a call that reads its token from {@link #currentToken()} and may throw checked exceptions. */
    static <T> CheckedSupplier<T> decorateCheckedSupplier(TokenRefreshDecorator decorator,
                                                          CheckedSupplier<T> supplier) {
        return () -> decorator.executeCheckedSupplier(supplier);
    }

    /** Decorates a callable that reads its token from {@link #currentToken()}. */
    static <T> Callable<T> decorateCallable(TokenRefreshDecorator decorator, Callable<T> callable) {
        CheckedSupplier<T> checked = callable::call;
        return () -> {
            try {
                return decorator.executeCheckedSupplier(checked);
            } catch (Exception | Error e) {
                throw e;
            } catch (Throwable t) {
                throw sneakyThrow(t);
            }
        };
    }

    /**
     * Decorates a runnable that reads its token from {@link #currentToken()}. A runnable has no result, so only
     * {@link TokenRefreshConfig#getRefreshOnException()} can report a rejected token.
     */
    static Runnable decorateRunnable(TokenRefreshDecorator decorator, Runnable runnable) {
        Supplier<Void> supplier = decorateSupplier(decorator, () -> {
            runnable.run();
            return null;
        });
        return supplier::get;
    }

    /** Decorates a checked runnable that reads its token from {@link #currentToken()}. */
    static CheckedRunnable decorateCheckedRunnable(TokenRefreshDecorator decorator, CheckedRunnable runnable) {
        CheckedSupplier<Void> supplier = () -> {
            runnable.run();
            return null;
        };
        return () -> decorator.executeCheckedSupplier(supplier);
    }

    /**
     * Decorates an asynchronous call that gets its token as the argument. Calls wait for a refresh without holding a
     * thread. Cancelling a returned stage does not cancel a refresh that other calls share.
     */
    static <T> Supplier<CompletionStage<T>> decorateCompletionStage(
        TokenRefreshDecorator decorator, Function<AccessToken, ? extends CompletionStage<T>> function) {
        return () -> decorator.executeCompletionStage(function);
    }

    /** @return the name of this decorator */
    String getName();

    /** @return the configuration of this decorator */
    TokenRefreshConfig getTokenRefreshConfig();

    /** @return the tags of this decorator, for metrics */
    Map<String, String> getTags();

    /**
     * The token a call should use now. Inside a decorated call this is the token bound to that attempt; elsewhere
     * it is the latest token this decorator holds, which may be expired or rejected. It never starts a refresh.
     *
     * @return the token, or null before the first acquisition
     */
    AccessToken currentToken();

    /**
     * Marks the current token as unusable, so that the next call refreshes. A refresh already in flight is not
     * affected: its token is used when it arrives.
     */
    void invalidate();

    /** @return the metrics of this decorator */
    Metrics getMetrics();

    /** @return the publisher of this decorator's events */
    EventPublisher getEventPublisher();

    /**
     * Executes a call that gets its token as the argument. This is the primitive the other decorators use.
     *
     * @throws TokenRefreshException when the call needed a new token and could not get one
     * @throws Throwable             the call's own exception, unchanged
     */
    <T> T executeCheckedFunction(CheckedFunction<AccessToken, T> function) throws Throwable;

    /**
     * Executes a call that reads its token from {@link #currentToken()}.
     *
     * @throws TokenRefreshException when the call needed a new token and could not get one
     * @throws Throwable             the call's own exception, unchanged
     */
    <T> T executeCheckedSupplier(CheckedSupplier<T> supplier) throws Throwable;

    /**
     * Executes an asynchronous call. The returned stage fails with a {@link TokenRefreshException} when the call
     * needed a new token and could not get one, and otherwise with the call's own exception (unwrapped from a
     * {@code CompletionException}).
     */
    <T> CompletionStage<T> executeCompletionStage(Function<AccessToken, ? extends CompletionStage<T>> function);

    /** Executes a call that gets its token as the argument. */
    default <T> T executeFunction(Function<AccessToken, T> function) {
        return decorateFunction(this, function).get();
    }

    /** Executes a call that reads its token from {@link #currentToken()}. */
    default <T> T executeSupplier(Supplier<T> supplier) {
        return decorateSupplier(this, supplier).get();
    }

    /** Executes a callable that reads its token from {@link #currentToken()}. */
    default <T> T executeCallable(Callable<T> callable) throws Exception {
        return decorateCallable(this, callable).call();
    }

    /** Executes a runnable that reads its token from {@link #currentToken()}. */
    default void executeRunnable(Runnable runnable) {
        decorateRunnable(this, runnable).run();
    }

    private static <T> T unchecked(TokenRefreshDecorator decorator, CheckedFunction<AccessToken, T> function) {
        try {
            return decorator.executeCheckedFunction(function);
        } catch (Throwable t) {
            throw sneakyThrow(t);
        }
    }

    private static <T> T unchecked(TokenRefreshDecorator decorator, CheckedSupplier<T> supplier) {
        try {
            return decorator.executeCheckedSupplier(supplier);
        } catch (Throwable t) {
            throw sneakyThrow(t);
        }
    }

    /** Rethrows what an unchecked call threw without wrapping it: it can only be unchecked. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneakyThrow(Throwable t) throws E {
        throw (E) t;
    }

    /** Counts of what this decorator did. */
    interface Metrics {

        /** @return how many refreshes obtained a token */
        long getNumberOfSuccessfulRefreshes();

        /** @return how many refreshes failed or timed out */
        long getNumberOfFailedRefreshes();

        /** @return how many calls are waiting for a refresh now */
        int getNumberOfWaitingCalls();

        /** @return how many calls waited for a refresh that another call had started */
        long getNumberOfCoalescedCalls();

        /** @return how many call outcomes said that the token was rejected */
        long getNumberOfRejectedTokens();

        /** @return whether a refresh is in flight now (for monitoring, such as an actuator endpoint) */
        default boolean isRefreshInFlight() {
            return false;
        }

        /** @return how many refreshes failed in a row since the last one that obtained a token */
        default int getNumberOfConsecutiveFailures() {
            return 0;
        }

        /** @return when the failure cooldown ends, or empty when no cooldown was started since the last success */
        default Optional<Instant> getCooldownEnd() {
            return Optional.empty();
        }
    }

    /** Registers consumers of this decorator's events. Each method returns this publisher, so calls chain. */
    interface EventPublisher extends io.github.resilience4j.core.EventPublisher<TokenRefreshEvent> {

        EventPublisher onRefreshSucceeded(EventConsumer<TokenRefreshSucceededEvent> eventConsumer);

        EventPublisher onRefreshFailed(EventConsumer<TokenRefreshFailedEvent> eventConsumer);

        EventPublisher onTokenRejected(EventConsumer<TokenRejectedEvent> eventConsumer);

        EventPublisher onCallCoalesced(EventConsumer<CallCoalescedEvent> eventConsumer);

        EventPublisher onRefreshRefused(EventConsumer<RefreshRefusedEvent> eventConsumer);
    }
}
