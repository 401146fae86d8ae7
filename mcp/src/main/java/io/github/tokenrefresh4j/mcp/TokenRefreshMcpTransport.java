package io.github.tokenrefresh4j.mcp;

import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefresher;
import io.github.tokenrefresh4j.mcp.internal.McpBearer;
import io.modelcontextprotocol.client.transport.HttpClientSseClientTransport;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.customizer.McpAsyncHttpClientRequestCustomizer;
import io.modelcontextprotocol.client.transport.customizer.McpHttpClientTransportAuthorizationErrorHandler;
import io.modelcontextprotocol.client.transport.customizer.McpSyncHttpClientRequestCustomizer;

import java.util.Objects;
import java.util.function.Predicate;

/**
 * Bearer tokens from a {@link TokenRefreshDecorator} for the MCP Java SDK's HTTP client transports: a request
 * customizer that sets {@code Authorization: Bearer} on every request, and an authorization error handler that
 * answers a {@code 401 invalid_token} by asking the transport to replay the request with the new token. When many
 * tool calls are rejected together, the token is refreshed once and all of them are replayed with it; a request
 * rejected with a token that was already replaced is replayed with the current one and refreshes nothing.
 *
 * <pre>{@code
 * TokenRefreshDecorator tokens = TokenRefreshMcpTransport.decorator("tools",
 *     current -> tokenEndpoint.clientCredentials("mcp:tools"));
 * HttpClientStreamableHttpTransport transport = TokenRefreshMcpTransport
 *     .configure(HttpClientStreamableHttpTransport.builder("https://tools.example.com"), tokens)
 *     .build();
 * McpSyncClient client = McpClient.sync(transport).build();
 * }</pre>
 *
 * <ul>
 *   <li>Only a {@code 401} whose {@code Bearer} challenge says {@code error="invalid_token"} (RFC 6750 §3.1) is
 *       handled; a {@code 403} ({@code insufficient_scope}) or another 401 reaches the caller unchanged.</li>
 *   <li>The transport replays a request at most once ({@code maxRetries} 1): a request rejected again with the new
 *       token fails with the SDK's {@code McpHttpClientTransportAuthorizationException}.</li>
 *   <li>A request that waits for a refresh holds no thread with the asynchronous customizer and handler
 *       ({@link #requestCustomizer}, {@link #authorizationErrorHandler}); a client's {@code requestTimeout} or
 *       disposing a tool call's {@code Mono} frees its caller at once, and the shared refresh goes on for the others.
 *       The SDK sends the request on a subscription of its own, which the caller's cancellation does not reach: that
 *       request may still wait, for at most {@code refreshTimeout}, and be sent once the token arrives. The
 *       synchronous ones block the transport's thread for at most {@code refreshTimeout}.</li>
 *   <li>When no token can be had, the request fails with the {@link io.github.tokenrefresh4j.TokenRefreshException}
 *       (its message holds no token).</li>
 *   <li>{@link HttpClientSseClientTransport} (the deprecated HTTP+SSE transport) takes a request customizer but no
 *       authorization error handler: it gets its token, refreshed ahead of a known expiry, but a 401 is not
 *       replayed.</li>
 *   <li>The customizer hands the token out as accepted before the server has seen it (a customizer never sees the
 *       response), so the decorator's guard against two refreshed tokens rejected in a row does not apply here.</li>
 * </ul>
 */
public final class TokenRefreshMcpTransport {

    /**
     * The verdict on a rejected request whose token is still the current one: the decorator refreshes that token.
     * A decorator used by {@link #authorizationErrorHandler} must recognise it in its {@code refreshOnResult}.
     */
    public static final Predicate<Object> REJECTED = result -> result == McpBearer.Verdict.REJECTED;

    private TokenRefreshMcpTransport() {
    }

    /**
     * A decorator with the default configuration that refreshes on {@link #REJECTED}. For other options, start from
     * {@code TokenRefreshConfig.custom().refreshOnResult(TokenRefreshMcpTransport.REJECTED)}.
     *
     * @param name      the decorator's name, used in events, metrics and messages
     * @param refresher obtains new tokens
     * @return the decorator
     * @throws NullPointerException naming the parameter that is null
     */
    public static TokenRefreshDecorator decorator(String name, TokenRefresher refresher) {
        return TokenRefreshDecorator.of(name, TokenRefreshConfig.custom().refreshOnResult(REJECTED).build(), refresher);
    }

    /**
     * Adds the asynchronous {@link #requestCustomizer} and sets the asynchronous {@link #authorizationErrorHandler}.
     *
     * @param builder the transport's builder
     * @param tokens  the decorator
     * @return the builder
     * @throws NullPointerException     naming the parameter that is null
     * @throws IllegalArgumentException if {@code tokens} does not recognise {@link #REJECTED}
     */
    public static HttpClientStreamableHttpTransport.Builder configure(HttpClientStreamableHttpTransport.Builder builder,
                                                                      TokenRefreshDecorator tokens) {
        Objects.requireNonNull(builder, "builder must not be null");
        return builder.addAsyncHttpRequestCustomizer(requestCustomizer(tokens))
            .authorizationErrorHandler(authorizationErrorHandler(tokens));
    }

    /**
     * Adds the asynchronous {@link #requestCustomizer}. This transport cannot replay a rejected request.
     *
     * @param builder the transport's builder
     * @param tokens  the decorator
     * @return the builder
     * @throws NullPointerException naming the parameter that is null
     */
    public static HttpClientSseClientTransport.Builder configure(HttpClientSseClientTransport.Builder builder,
                                                                 TokenRefreshDecorator tokens) {
        Objects.requireNonNull(builder, "builder must not be null");
        return builder.addAsyncHttpRequestCustomizer(requestCustomizer(tokens));
    }

    /**
     * Sets {@code Authorization: Bearer} without blocking: at once when the token is valid, otherwise when the one
     * shared refresh completes.
     *
     * @param tokens the decorator
     * @return the customizer
     * @throws NullPointerException if {@code tokens} is null
     */
    public static McpAsyncHttpClientRequestCustomizer requestCustomizer(TokenRefreshDecorator tokens) {
        return McpBearer.asyncCustomizer(Objects.requireNonNull(tokens, "tokens must not be null"));
    }

    /**
     * Sets {@code Authorization: Bearer}, waiting on this thread for a refresh when the token is not valid.
     *
     * @param tokens the decorator
     * @return the customizer
     * @throws NullPointerException if {@code tokens} is null
     */
    public static McpSyncHttpClientRequestCustomizer syncRequestCustomizer(TokenRefreshDecorator tokens) {
        return McpBearer.syncCustomizer(Objects.requireNonNull(tokens, "tokens must not be null"));
    }

    /**
     * Answers a {@code 401 invalid_token}: refreshes the token the request carried if it is still the current one
     * (once for all requests rejected with it), then asks the transport to replay the request. Holds no thread.
     *
     * @param tokens a decorator that recognises {@link #REJECTED}, such as {@link #decorator} builds
     * @return the handler
     * @throws NullPointerException     if {@code tokens} is null
     * @throws IllegalArgumentException if {@code tokens} does not recognise {@link #REJECTED}
     */
    public static McpHttpClientTransportAuthorizationErrorHandler authorizationErrorHandler(
        TokenRefreshDecorator tokens) {
        return McpBearer.asyncHandler(checked(tokens));
    }

    /**
     * The blocking twin of {@link #authorizationErrorHandler}, for
     * {@code McpHttpClientTransportAuthorizationErrorHandler.fromSync(...)}: it waits on the calling thread for at
     * most {@code refreshTimeout}.
     *
     * @param tokens a decorator that recognises {@link #REJECTED}, such as {@link #decorator} builds
     * @return the handler
     * @throws NullPointerException     if {@code tokens} is null
     * @throws IllegalArgumentException if {@code tokens} does not recognise {@link #REJECTED}
     */
    public static McpHttpClientTransportAuthorizationErrorHandler.Sync syncAuthorizationErrorHandler(
        TokenRefreshDecorator tokens) {
        return McpBearer.syncHandler(checked(tokens));
    }

    private static TokenRefreshDecorator checked(TokenRefreshDecorator tokens) {
        Objects.requireNonNull(tokens, "tokens must not be null");
        String refused = "tokens '" + tokens.getName() + "' would not recognise a rejected MCP request, so no token "
            + "would ever be refreshed on a 401: build it with TokenRefreshMcpTransport.decorator(name, refresher) or "
            + "with refreshOnResult(TokenRefreshMcpTransport.REJECTED)";
        boolean recognised;
        try {
            recognised = tokens.getTokenRefreshConfig().getRefreshOnResult().test(McpBearer.Verdict.REJECTED);
        } catch (RuntimeException e) { // a predicate written for another client's responses
            throw new IllegalArgumentException(refused, e);
        }
        if (!recognised) {
            throw new IllegalArgumentException(refused);
        }
        return tokens;
    }
}
