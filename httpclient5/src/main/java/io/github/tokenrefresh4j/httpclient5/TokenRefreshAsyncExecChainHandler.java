package io.github.tokenrefresh4j.httpclient5;

import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import org.apache.hc.client5.http.async.AsyncExecCallback;
import org.apache.hc.client5.http.async.AsyncExecChain;
import org.apache.hc.client5.http.async.AsyncExecChainHandler;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;

import java.io.IOException;
import java.util.Objects;

import static io.github.tokenrefresh4j.httpclient5.HttpClient5Bearer.EXCHANGE;

/**
 * An exec-chain handler for Apache HttpClient 5's async client: the same job as
 * {@link TokenRefreshExecChainHandler}, with a decorator built the same way, and no thread held while a request
 * waits for a refresh.
 *
 * <pre>{@code
 * TokenRefreshDecorator tokens = TokenRefreshExecChainHandler.decorator("orders-api",
 *     current -> tokenEndpoint.clientCredentials("orders"));
 * CloseableHttpAsyncClient client = HttpAsyncClients.custom()
 *     .addExecInterceptorFirst(TokenRefreshExecChainHandler.NAME, new TokenRefreshAsyncExecChainHandler(tokens))
 *     .build();
 * client.start();
 * Future<SimpleHttpResponse> orders = client.execute(
 *     SimpleRequestBuilder.get("https://orders.example.com/orders").build(), null);
 * }</pre>
 *
 * <ul>
 *   <li>A rejected response ({@code 401 invalid_token}) is read to its end and kept aside, its body up to 64 KiB;
 *       when the request is sent again, the caller never sees it. When the decorator allows no further attempt, it
 *       reaches the caller as if it had just arrived.</li>
 *   <li>A request whose entity producer is not repeatable is sent once: a rejection reaches the caller as it is,
 *       and the decorator learns of the rejected token from the next request that can be sent again.</li>
 *   <li>Cancelling the request's future ends its wait for a refresh at once, and nothing is sent for it after;
 *       the refresh goes on for the other requests.</li>
 *   <li>A request that already carries an {@code Authorization} header is sent unchanged. When no token can be
 *       had, the request fails with the {@link TokenRefreshException}.</li>
 * </ul>
 */
public final class TokenRefreshAsyncExecChainHandler implements AsyncExecChainHandler {

    private final TokenRefreshDecorator tokens;

    /**
     * @param tokens a decorator whose {@code refreshOnResult} recognises rejected responses, such as
     *               {@link TokenRefreshExecChainHandler#decorator} builds
     * @throws NullPointerException if {@code tokens} is null
     */
    public TokenRefreshAsyncExecChainHandler(TokenRefreshDecorator tokens) {
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
    }

    @Override
    public void execute(HttpRequest request, AsyncEntityProducer entityProducer, AsyncExecChain.Scope scope,
                        AsyncExecChain chain, AsyncExecCallback asyncExecCallback) throws HttpException, IOException {
        if (EXCHANGE.hasOwnCredentials(request)) {
            chain.proceed(request, entityProducer, scope, asyncExecCallback);
            return;
        }
        new AsyncBearerCall(tokens, request, entityProducer, scope, chain, asyncExecCallback).start();
    }

    /** Names the decorator, never a token. */
    @Override
    public String toString() {
        return "TokenRefreshAsyncExecChainHandler{" + tokens.getName() + '}';
    }
}
