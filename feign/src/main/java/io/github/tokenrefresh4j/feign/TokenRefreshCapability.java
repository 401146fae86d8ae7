package io.github.tokenrefresh4j.feign;

import feign.Capability;
import feign.Client;
import feign.Request;
import feign.Response;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.BearerChallenge;
import io.github.tokenrefresh4j.BearerExchange;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefresher;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A Feign {@link Capability} that wraps the client: each request carries {@code Authorization: Bearer} with the
 * decorator's token, and a {@code 401 invalid_token} is handled inside the client, below Feign's {@code Retryer}:
 * one refresh however many requests are rejected together, then each request is sent again with the new token. A
 * request rejected with a token that was already replaced is sent again with the current one, without a refresh.
 *
 * <pre>{@code
 * TokenRefreshDecorator tokens = TokenRefreshCapability.decorator("orders-api",
 *     current -> tokenEndpoint.clientCredentials("orders"));
 * Orders orders = Feign.builder()
 *     .addCapability(new TokenRefreshCapability(tokens))
 *     .target(Orders.class, "https://orders.example.com");
 * }</pre>
 *
 * <ul>
 *   <li>The retry after a rejection happens inside the client, so it spends none of the {@code Retryer}'s attempts,
 *       and the {@code Retryer} (which Feign runs for I/O errors) sends each of its attempts through the same
 *       token handling.</li>
 *   <li>A request is sent again at most {@code maxRefreshAttemptsPerCall} times (default once); then its last
 *       response, a 401 included, goes on to Feign, whose {@code ErrorDecoder} turns it into a
 *       {@code FeignException.Unauthorized} as usual. The rejected response is closed before the request is sent
 *       again. Feign's request bodies are byte arrays, so every request can be sent again.</li>
 *   <li>A request that already carries an {@code Authorization} header (set by a {@code RequestInterceptor}, say)
 *       is sent unchanged.</li>
 *   <li>A request waiting for a refresh blocks its thread, at most for the decorator's {@code refreshTimeout}, and
 *       stops waiting when the thread is interrupted. When no token can be had, the {@link TokenRefreshException}
 *       reaches the caller unchanged (it is not an {@code IOException}, so Feign does not retry it).</li>
 *   <li>Only the blocking {@link Client} is enriched; {@code AsyncFeign}'s client is left as it is.</li>
 * </ul>
 */
public final class TokenRefreshCapability implements Capability {

    private static final String AUTHORIZATION = "Authorization";

    /** Feign's side of the attach-send-judge-retry loop; a rejected response is closed, as a Response is. */
    private static final BearerExchange<Request, Response> EXCHANGE =
        BearerExchange.<Request, Response>builder(Response.class)
            .attach(TokenRefreshCapability::withToken)
            .ownCredentials(request -> header(request.headers(), AUTHORIZATION) != null)
            .status(Response::status)
            .challenges(response -> {
                Collection<String> values = header(response.headers(), "WWW-Authenticate");
                return values == null ? List.of() : values;
            })
            .build();

    /**
     * A 401 whose {@code Bearer} challenge says {@code invalid_token} (RFC 6750 §3.1), read by
     * {@link BearerChallenge}: the one answer a new token can fix. A bare 401 or a 403 reaches Feign unchanged.
     */
    public static final Predicate<Object> INVALID_TOKEN = EXCHANGE.invalidToken();

    private final TokenRefreshDecorator tokens;

    /**
     * @param tokens a decorator whose {@code refreshOnResult} recognises rejected responses, such as
     *               {@link #decorator(String, TokenRefresher)} builds
     * @throws NullPointerException if {@code tokens} is null
     */
    public TokenRefreshCapability(TokenRefreshDecorator tokens) {
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
    }

    /**
     * A decorator that refreshes on {@link #INVALID_TOKEN}, with the default configuration otherwise. For other
     * options, start from {@code TokenRefreshConfig.custom().refreshOnResult(INVALID_TOKEN)}.
     *
     * @param name      the decorator's name, used in events, metrics and messages
     * @param refresher obtains new tokens
     * @return the decorator
     * @throws NullPointerException naming the parameter that is null
     * @see TokenRefreshConfig.Builder#refreshOnResult(Predicate)
     */
    public static TokenRefreshDecorator decorator(String name, TokenRefresher refresher) {
        return EXCHANGE.decorator(name, refresher);
    }

    /**
     * @param client the client Feign would use
     * @return a client that presents the decorator's token and sends a rejected request again
     */
    @Override
    public Client enrich(Client client) {
        Objects.requireNonNull(client, "client must not be null");
        return (request, options) -> EXCHANGE.execute(tokens, request, attempt -> client.execute(attempt, options));
    }

    private static Request withToken(Request request, AccessToken token) {
        Map<String, Collection<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(request.headers());
        headers.put(AUTHORIZATION, List.of("Bearer " + token.value()));
        return Request.create(request.httpMethod(), request.url(), headers, request.body(), request.charset(),
            request.requestTemplate());
    }

    private static Collection<String> header(Map<String, Collection<String>> headers, String name) {
        for (Map.Entry<String, Collection<String>> header : headers.entrySet()) {
            if (name.equalsIgnoreCase(header.getKey())) {
                return header.getValue();
            }
        }
        return null;
    }

    /** Names the decorator, never a token. */
    @Override
    public String toString() {
        return "TokenRefreshCapability{" + tokens.getName() + '}';
    }
}
