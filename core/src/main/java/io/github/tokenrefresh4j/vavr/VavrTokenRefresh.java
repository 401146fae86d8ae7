package io.github.tokenrefresh4j.vavr;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.vavr.control.Try;

import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Adapters for calls that return a vavr {@link Try}. vavr is an optional dependency: add {@code io.vavr:vavr} to
 * use this class.
 *
 * <pre>{@code
 * Supplier<Try<Order>> getOrder = VavrTokenRefresh.decorateTry(tokens, token -> client.getOrder(token, id));
 * }</pre>
 */
public final class VavrTokenRefresh {

    private VavrTokenRefresh() {
    }

    /**
     * Decorates a call that returns a {@link Try}. A failed {@code Try} whose cause matches
     * {@link io.github.tokenrefresh4j.TokenRefreshConfig#getRefreshOnException()} refreshes the token and retries;
     * a successful one is checked against {@code refreshOnResult} with its value. A refresh that fails gives a
     * failed {@code Try} with a {@link io.github.tokenrefresh4j.TokenRefreshException}; the decorated call's own
     * failure is kept unchanged.
     */
    public static <T> Supplier<Try<T>> decorateTry(TokenRefreshDecorator decorator,
                                                   Function<AccessToken, Try<T>> function) {
        Objects.requireNonNull(decorator, "decorator must not be null");
        Objects.requireNonNull(function, "function must not be null");
        // Try.get() rethrows a failure's own cause, so the decorator sees it and Try.of keeps it as it was.
        return () -> Try.of(() -> decorator.executeCheckedFunction(token -> function.apply(token).get()));
    }

    /** Executes a call that returns a {@link Try}; see {@link #decorateTry(TokenRefreshDecorator, Function)}. */
    public static <T> Try<T> executeTry(TokenRefreshDecorator decorator, Function<AccessToken, Try<T>> function) {
        return decorateTry(decorator, function).get();
    }
}
