package io.github.tokenrefresh4j.examples;

import io.github.resilience4j.core.functions.CheckedSupplier;
import io.github.tokenrefresh4j.BearerChallenge;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefresher;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * Recipe: the JDK {@link HttpClient} with a bearer token from a {@link TokenRefreshDecorator}.
 *
 * <pre>{@code
 * TokenRefreshDecorator tokens = TokenRefreshDecorator.of("orders-api",
 *     TokenRefreshConfig.custom().refreshOnResult(BearerChallenge::isInvalidTokenResponse).build(),
 *     OAuth2TokenRefresher.clientCredentials(tokenEndpoint, "orders-client", clientSecret)
 *         .scope("orders")
 *         .build());
 * CheckedSupplier<HttpResponse<String>> getOrders = HttpClientRecipe.getWithBearer(tokens, http, ordersUri);
 * HttpResponse<String> orders = getOrders.get();
 * }</pre>
 */
public final class HttpClientRecipe {

    /**
     * A 401 whose challenge says {@code invalid_token} (RFC 6750 §3.1): the one answer a new token can fix. A bare
     * 401 or a 403 ({@code insufficient_scope}) reaches the caller unchanged.
     */
    public static final Predicate<Object> INVALID_TOKEN = BearerChallenge::isInvalidTokenResponse;

    private HttpClientRecipe() {
    }

    /** A decorator that refreshes when the API answers {@link #INVALID_TOKEN}. */
    public static TokenRefreshDecorator decorator(String name, TokenRefresher refresher) {
        return TokenRefreshDecorator.of(name,
            TokenRefreshConfig.custom().refreshOnResult(INVALID_TOKEN).build(),
            refresher);
    }

    /**
     * A GET that presents the decorator's token. The body is read into a String, so a rejected response that the
     * decorator discards to retry holds no open stream (with {@code ofInputStream()}, close the body in
     * {@code TokenRefreshConfig.consumeResultBeforeRetryAttempt}).
     */
    public static CheckedSupplier<HttpResponse<String>> getWithBearer(TokenRefreshDecorator tokens, HttpClient http,
                                                                      URI uri) {
        return TokenRefreshDecorator.decorateCheckedFunction(tokens, token -> http.send(
            HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(5))
                .header("Authorization", "Bearer " + token.value())
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString()));
    }
}
