package io.github.tokenrefresh4j.spring;

import io.github.tokenrefresh4j.BearerChallenge;
import io.github.tokenrefresh4j.BearerExchange;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefresher;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

import java.io.IOException;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A {@link ClientHttpRequestInterceptor} for {@code RestClient} and {@code RestTemplate} that sets
 * {@code Authorization: Bearer} with the decorator's token and lets the decorator handle a rejected token: one
 * refresh however many requests are rejected together, then each request is sent again with the new token. A
 * request rejected with a token that was already replaced is sent again with the current one, without a refresh.
 *
 * <pre>{@code
 * TokenRefreshDecorator tokens = TokenRefreshClientHttpRequestInterceptor.decorator("orders-api",
 *     current -> tokenEndpoint.clientCredentials("orders"));
 * RestClient orders = RestClient.builder()
 *     .baseUrl("https://orders.example.com")
 *     .requestInterceptor(new TokenRefreshClientHttpRequestInterceptor(tokens))
 *     .build();
 * String body = orders.get().uri("/orders").retrieve().body(String.class);
 * }</pre>
 *
 * <ul>
 *   <li>What counts as rejected is the decorator's {@code refreshOnResult}: {@link #INVALID_TOKEN}, a 401 whose
 *       {@code Bearer} challenge says {@code invalid_token}, as {@link #decorator(String, TokenRefresher)} sets; any
 *       other predicate over {@link ClientHttpResponse} works too. A request is sent again at most
 *       {@code maxRefreshAttemptsPerCall} times (default once); then its last response is returned as it is.</li>
 *   <li>The rejected response is closed before the request is sent again (the decorator's default
 *       {@code consumeResultBeforeRetryAttempt} closes it), so its connection goes back to the pool.</li>
 *   <li>A request that already carries an {@code Authorization} header is sent unchanged, so a token client built
 *       from the same builder keeps its own credentials.</li>
 *   <li>When no token can be had, the {@link TokenRefreshException} reaches the caller unchanged (it is not an
 *       {@code IOException}, so neither client wraps it).</li>
 *   <li>A request waiting for a refresh blocks its thread, at most for the decorator's {@code refreshTimeout}.</li>
 * </ul>
 */
public final class TokenRefreshClientHttpRequestInterceptor implements ClientHttpRequestInterceptor {

    /**
     * Spring's side of the attach-send-judge-retry loop. A rejected response is closed (the default), which releases
     * its connection; a response whose status cannot be read is no rejection.
     */
    private static final BearerExchange<HttpRequest, ClientHttpResponse> EXCHANGE =
        BearerExchange.<HttpRequest, ClientHttpResponse>builder(ClientHttpResponse.class)
            .attach((request, token) -> {
                request.getHeaders().setBearerAuth(token.value());
                return request;
            })
            .ownCredentials(request -> request.getHeaders().containsHeader(HttpHeaders.AUTHORIZATION))
            .status(TokenRefreshClientHttpRequestInterceptor::status)
            .challenges(response -> response.getHeaders().getOrEmpty(HttpHeaders.WWW_AUTHENTICATE))
            .build();

    /**
     * A 401 whose {@code Bearer} challenge says {@code invalid_token} (RFC 6750 §3.1), read by
     * {@link BearerChallenge}. A response whose status cannot be read does not match.
     */
    public static final Predicate<Object> INVALID_TOKEN = EXCHANGE.invalidToken();

    private final TokenRefreshDecorator tokens;

    /**
     * @param tokens a decorator whose {@code refreshOnResult} recognises rejected responses, such as
     *               {@link #decorator(String, TokenRefresher)} builds
     * @throws NullPointerException if {@code tokens} is null
     */
    public TokenRefreshClientHttpRequestInterceptor(TokenRefreshDecorator tokens) {
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
    }

    /**
     * A decorator with the default configuration that refreshes when the server answers {@link #INVALID_TOKEN}. For
     * other options, start from {@code TokenRefreshConfig.custom().refreshOnResult(INVALID_TOKEN)}.
     *
     * @param name      the decorator's name, used in events, metrics and messages
     * @param refresher obtains new tokens
     * @return the decorator
     * @throws NullPointerException naming the parameter that is null
     */
    public static TokenRefreshDecorator decorator(String name, TokenRefresher refresher) {
        return EXCHANGE.decorator(name, refresher);
    }

    @Override
    public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
        throws IOException {
        return EXCHANGE.execute(tokens, request, attempt -> execution.execute(attempt, body));
    }

    private static int status(ClientHttpResponse response) {
        try {
            return response.getStatusCode().value();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Names the decorator, never a token. */
    @Override
    public String toString() {
        return "TokenRefreshClientHttpRequestInterceptor{" + tokens.getName() + '}';
    }
}
