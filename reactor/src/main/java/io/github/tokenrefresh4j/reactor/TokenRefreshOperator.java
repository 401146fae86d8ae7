package io.github.tokenrefresh4j.reactor;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Runs a {@link Mono} or {@link Flux} call through a {@link TokenRefreshDecorator}, as Resilience4j's
 * {@code RetryOperator} runs one through a {@code Retry}: the call gets the decorator's token, and when its outcome
 * says the token was rejected ({@code refreshOnResult} on its element, {@code refreshOnException} on its error),
 * the subscription is made again with the next token; one refresh however many subscriptions are rejected together.
 *
 * <p>Give the call its token as an argument:
 * <pre>{@code
 * Mono<String> orders = TokenRefreshOperator.mono(tokens, token -> webClient.get().uri("/orders")
 *     .headers(h -> h.setBearerAuth(token.value()))
 *     .retrieve()
 *     .bodyToMono(String.class));
 * }</pre>
 * or read it from the subscriber context inside a publisher you transform:
 * <pre>{@code
 * Mono<String> orders = TokenRefreshOperator.token()
 *     .flatMap(token -> client.getOrders(token.value()))
 *     .transformDeferred(TokenRefreshOperator.of(tokens));
 * }</pre>
 * with a decorator such as
 * {@code TokenRefreshConfig.custom().refreshOnException(e -> e instanceof WebClientResponseException.Unauthorized)}.
 *
 * <ul>
 *   <li>Waiting for a refresh holds no thread: the next attempt subscribes on the thread that completes the refresh
 *       (the decorator's refresh executor); add {@code publishOn} downstream to move on.</li>
 *   <li>Cancelling a subscriber cancels its own attempt in flight and nothing else: a refresh that other
 *       subscriptions share goes on.</li>
 *   <li>A {@code Flux} is subscribed again from the start only when the rejection came before its first element:
 *       the first element (or an error or completion before it) decides, and once an element has been passed on
 *       the flux is never restarted, so no element is delivered twice. An error after the first element reaches the
 *       subscriber unchanged.</li>
 *   <li>An element that the call sends after the subscriber cancelled (one already in flight) goes to
 *       {@code consumeResultBeforeRetryAttempt} too, so a late response is released rather than dropped.</li>
 *   <li>When no token can be had, the subscriber gets a {@link TokenRefreshException}; the call's own errors reach
 *       it unchanged.</li>
 *   <li>The rejected element that the decorator discards goes to {@code consumeResultBeforeRetryAttempt} (closed
 *       if it is {@link AutoCloseable}).</li>
 * </ul>
 *
 * @param <T> the element type
 */
public final class TokenRefreshOperator<T> implements UnaryOperator<Publisher<T>> {

    /** The subscriber-context key under which each attempt finds its token. */
    static final Object TOKEN_KEY = new Object() {
        @Override
        public String toString() {
            return "tokenrefresh4j.accessToken";
        }
    };

    private final TokenRefreshDecorator decorator;

    private TokenRefreshOperator(TokenRefreshDecorator decorator) {
        this.decorator = Objects.requireNonNull(decorator, "decorator must not be null");
    }

    /**
     * An operator for {@code transformDeferred}; the transformed publisher reads its token with {@link #token()}.
     *
     * @param decorator the decorator that provides and refreshes the token
     * @param <T>       the element type
     * @return the operator
     * @throws NullPointerException if {@code decorator} is null
     */
    public static <T> TokenRefreshOperator<T> of(TokenRefreshDecorator decorator) {
        return new TokenRefreshOperator<>(decorator);
    }

    /**
     * The token of the attempt being made, for a publisher transformed with {@link #of(TokenRefreshDecorator)}.
     *
     * @return a Mono of the attempt's token; it fails with {@link IllegalStateException} outside such a publisher
     */
    public static Mono<AccessToken> token() {
        return Mono.deferContextual(context -> context.hasKey(TOKEN_KEY)
            ? Mono.just(context.<AccessToken>get(TOKEN_KEY))
            : Mono.error(new IllegalStateException("no access token in the subscriber context: subscribe through "
                + "TokenRefreshOperator.of(decorator), for example with transformDeferred")));
    }

    /**
     * A Mono that calls {@code call} with the decorator's token on each subscription, and again with the next token
     * when the outcome says the token was rejected.
     *
     * @param decorator the decorator that provides and refreshes the token
     * @param call      makes the call with the token it is given
     * @param <T>       the element type
     * @return a Mono that makes the call on each subscription
     * @throws NullPointerException naming the parameter that is null
     */
    public static <T> Mono<T> mono(TokenRefreshDecorator decorator,
                                   Function<AccessToken, ? extends Mono<? extends T>> call) {
        Objects.requireNonNull(decorator, "decorator must not be null");
        Objects.requireNonNull(call, "call must not be null");
        return Mono.create(sink -> {
            Attempts<T> attempts = new Attempts<>(call, sink.contextView(),
                decorator.getTokenRefreshConfig().getConsumeResultBeforeRetryAttempt());
            CompletableFuture<T> outcome = decorator.executeCompletionStage(attempts).toCompletableFuture();
            sink.onCancel(() -> {
                attempts.dispose();
                outcome.cancel(false); // only this subscription's wait; the shared refresh goes on
            });
            outcome.whenComplete((element, failure) -> {
                if (failure != null) {
                    sink.error(unwrap(failure));
                } else if (element == null) {
                    sink.success();
                } else {
                    sink.success(element);
                }
            });
        });
    }

    /**
     * A Flux that subscribes to {@code call}'s publisher with the decorator's token, and subscribes again from the
     * start with the next token when the rejection came before its first element.
     *
     * @param decorator the decorator that provides and refreshes the token
     * @param call      makes the call with the token it is given
     * @param <T>       the element type
     * @return a Flux that makes the call on each subscription
     * @throws NullPointerException naming the parameter that is null
     */
    public static <T> Flux<T> flux(TokenRefreshDecorator decorator,
                                   Function<AccessToken, ? extends Publisher<? extends T>> call) {
        Objects.requireNonNull(decorator, "decorator must not be null");
        Objects.requireNonNull(call, "call must not be null");
        return Flux.create(sink -> {
            Attempts<T> attempts = new Attempts<>(call, sink.contextView(),
                decorator.getTokenRefreshConfig().getConsumeResultBeforeRetryAttempt());
            CompletableFuture<T> outcome = decorator.executeCompletionStage(attempts).toCompletableFuture();
            sink.onCancel(() -> {
                attempts.dispose();
                outcome.cancel(false);
            });
            outcome.whenComplete((first, failure) -> {
                if (failure != null) {
                    sink.error(unwrap(failure));
                } else if (first == null) {
                    sink.complete();
                } else {
                    sink.next(first);
                    attempts.last().forwardRestTo(sink);
                }
            });
        });
    }

    /**
     * @throws IllegalArgumentException if {@code publisher} is neither a {@link Mono} nor a {@link Flux}
     */
    @Override
    @SuppressWarnings("unchecked")
    public Publisher<T> apply(Publisher<T> publisher) {
        if (publisher instanceof Mono) {
            return mono(decorator, token -> (Mono<T>) publisher);
        }
        if (publisher instanceof Flux) {
            return flux(decorator, token -> publisher);
        }
        throw new IllegalArgumentException("publisher of type " + publisher.getClass().getSimpleName()
            + " is not supported: TokenRefreshOperator transforms a Mono or a Flux");
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    /** Names the decorator, never a token. */
    @Override
    public String toString() {
        return "TokenRefreshOperator{" + decorator.getName() + '}';
    }
}
