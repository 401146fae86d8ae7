package io.github.tokenrefresh4j.spring;

import io.github.tokenrefresh4j.BearerChallenge;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefresher;
import io.github.tokenrefresh4j.reactor.TokenRefreshOperator;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import reactor.core.publisher.Mono;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * An {@link ExchangeFilterFunction} for {@code WebClient} that sets {@code Authorization: Bearer} with the
 * decorator's token and lets the decorator handle a rejected token, through {@link TokenRefreshOperator}: one
 * refresh however many exchanges are rejected together, each waiting without holding a thread, then each exchange
 * is made again with the new token. An exchange rejected with a token that was already replaced is made again with
 * the current one, without a refresh.
 *
 * <pre>{@code
 * TokenRefreshDecorator tokens = TokenRefreshExchangeFilterFunction.decorator("orders-api",
 *     current -> tokenEndpoint.clientCredentials("orders"));
 * WebClient orders = WebClient.builder()
 *     .baseUrl("https://orders.example.com")
 *     .filter(new TokenRefreshExchangeFilterFunction(tokens))
 *     .build();
 * Mono<String> body = orders.get().uri("/orders").retrieve().bodyToMono(String.class);
 * }</pre>
 *
 * <ul>
 *   <li>What counts as rejected is the decorator's {@code refreshOnResult}: {@link #INVALID_TOKEN}, a 401 whose
 *       {@code Bearer} challenge says {@code invalid_token}, as {@link #decorator(String, TokenRefresher)} sets.</li>
 *   <li>The rejected response's body is released before the exchange is made again, so its connection goes back to
 *       the pool. A {@code ClientResponse} is not {@code AutoCloseable}: a decorator built with another
 *       configuration needs {@code consumeResultBeforeRetryAttempt(RELEASE_BODY)}, and one that keeps the default
 *       is refused when the filter is built.</li>
 *   <li>An exchange whose request already carries an {@code Authorization} header is made unchanged.</li>
 *   <li>Cancelling the exchange leaves a shared refresh alone. When no token can be had, the exchange fails with
 *       the {@link TokenRefreshException}.</li>
 * </ul>
 */
public final class TokenRefreshExchangeFilterFunction implements ExchangeFilterFunction {

    /** A 401 whose {@code Bearer} challenge says {@code invalid_token} (RFC 6750 §3.1), read by {@link BearerChallenge}. */
    public static final Predicate<Object> INVALID_TOKEN = result -> result instanceof ClientResponse
        && ((ClientResponse) result).statusCode().value() == 401
        && BearerChallenge.isInvalidToken(((ClientResponse) result).headers().header(HttpHeaders.WWW_AUTHENTICATE));

    /**
     * Releases the body of a discarded {@link ClientResponse}; anything else is handled as
     * {@link TokenRefreshConfig#DEFAULT_CONSUME_RESULT_BEFORE_RETRY_ATTEMPT} does.
     */
    public static final Consumer<Object> RELEASE_BODY = result -> {
        if (result instanceof ClientResponse) {
            ((ClientResponse) result).releaseBody().subscribe(null, ignored -> { });
        } else {
            TokenRefreshConfig.DEFAULT_CONSUME_RESULT_BEFORE_RETRY_ATTEMPT.accept(result);
        }
    };

    private final TokenRefreshDecorator tokens;

    /**
     * @param tokens a decorator whose {@code refreshOnResult} recognises rejected responses and whose
     *               {@code consumeResultBeforeRetryAttempt} releases them, such as
     *               {@link #decorator(String, TokenRefresher)} builds
     * @throws NullPointerException     if {@code tokens} is null
     * @throws IllegalArgumentException if {@code tokens} keeps the default {@code consumeResultBeforeRetryAttempt},
     *                                  which cannot release a {@link ClientResponse}: every rejected exchange would
     *                                  keep its connection
     */
    public TokenRefreshExchangeFilterFunction(TokenRefreshDecorator tokens) {
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
        if (tokens.getTokenRefreshConfig().getConsumeResultBeforeRetryAttempt()
            == TokenRefreshConfig.DEFAULT_CONSUME_RESULT_BEFORE_RETRY_ATTEMPT) {
            throw new IllegalArgumentException("tokens '" + tokens.getName() + "' would not release the body of a "
                + "rejected ClientResponse, and each rejected exchange would keep its connection: build it with "
                + "TokenRefreshExchangeFilterFunction.decorator(name, refresher) or with "
                + "consumeResultBeforeRetryAttempt(TokenRefreshExchangeFilterFunction.RELEASE_BODY)");
        }
    }

    /**
     * A decorator with the default configuration that refreshes when the server answers {@link #INVALID_TOKEN} and
     * releases the rejected response ({@link #RELEASE_BODY}).
     *
     * @param name      the decorator's name, used in events, metrics and messages
     * @param refresher obtains new tokens
     * @return the decorator
     * @throws NullPointerException naming the parameter that is null
     */
    public static TokenRefreshDecorator decorator(String name, TokenRefresher refresher) {
        return TokenRefreshDecorator.of(name, TokenRefreshConfig.custom()
            .refreshOnResult(INVALID_TOKEN)
            .consumeResultBeforeRetryAttempt(RELEASE_BODY)
            .build(), refresher);
    }

    @Override
    public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
        if (request.headers().containsHeader(HttpHeaders.AUTHORIZATION)) {
            return next.exchange(request);
        }
        return TokenRefreshOperator.mono(tokens, token -> next.exchange(ClientRequest.from(request)
            .headers(headers -> headers.setBearerAuth(token.value()))
            .build()));
    }

    /** Names the decorator, never a token. */
    @Override
    public String toString() {
        return "TokenRefreshExchangeFilterFunction{" + tokens.getName() + '}';
    }
}
