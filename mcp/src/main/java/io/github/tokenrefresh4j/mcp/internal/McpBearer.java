package io.github.tokenrefresh4j.mcp.internal;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.BearerChallenge;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.modelcontextprotocol.client.transport.HttpRequestSnapshot;
import io.modelcontextprotocol.client.transport.customizer.McpAsyncHttpClientRequestCustomizer;
import io.modelcontextprotocol.client.transport.customizer.McpHttpClientTransportAuthorizationErrorHandler;
import io.modelcontextprotocol.client.transport.customizer.McpSyncHttpClientRequestCustomizer;
import io.modelcontextprotocol.common.McpTransportContext;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The MCP transport plumbing: a request customizer that sets {@code Authorization: Bearer} and an authorization
 * error handler that judges a {@code 401 invalid_token} by the token its request carried.
 *
 * <p>The handler runs one decorated call whose attempts need no network: an attempt whose token is the one the
 * rejected request carried answers {@link Verdict#REJECTED} (the decorator then refreshes that token once, however
 * many requests were rejected with it, and runs the attempt again with the new token); an attempt with any other
 * token answers {@link Verdict#REPLAY}: the transport replays the request, and its customizer sets that token. So a
 * stale 401 (its token was already replaced) replays with the current token and refreshes nothing.
 */
public final class McpBearer {

    /** The decorator's verdicts on a rejected request. */
    public enum Verdict {
        /** The rejected request carried the current token: refresh it. */
        REJECTED,
        /** The current token is another one: replay the request with it. */
        REPLAY
    }

    private static final String AUTHORIZATION = "Authorization";
    private static final String BEARER = "Bearer ";

    private McpBearer() {
    }

    public static McpAsyncHttpClientRequestCustomizer asyncCustomizer(TokenRefreshDecorator tokens) {
        return new AsyncCustomizer(tokens);
    }

    public static McpSyncHttpClientRequestCustomizer syncCustomizer(TokenRefreshDecorator tokens) {
        return new SyncCustomizer(tokens);
    }

    public static McpHttpClientTransportAuthorizationErrorHandler asyncHandler(TokenRefreshDecorator tokens) {
        return new AsyncHandler(tokens);
    }

    public static McpHttpClientTransportAuthorizationErrorHandler.Sync syncHandler(TokenRefreshDecorator tokens) {
        return new SyncHandler(tokens);
    }

    static HttpRequest.Builder authorize(HttpRequest.Builder request, AccessToken token) {
        return request.setHeader(AUTHORIZATION, BEARER + token.value());
    }

    /** @return the bearer token the rejected request carried, when the answer is one a new token can fix */
    static Optional<String> rejectedToken(HttpRequestSnapshot request, HttpResponse.ResponseInfo response) {
        if (response.statusCode() != 401
            || !BearerChallenge.isInvalidToken(response.headers().allValues("WWW-Authenticate"))) {
            return Optional.empty(); // a 403, or a 401 that a new token would not fix: it reaches the caller
        }
        return request.headers().firstValue(AUTHORIZATION)
            .filter(value -> value.regionMatches(true, 0, BEARER, 0, BEARER.length()))
            .map(value -> value.substring(BEARER.length()).trim());
    }

    static Verdict judge(AccessToken attemptToken, String rejected) {
        return attemptToken.value().equals(rejected) ? Verdict.REJECTED : Verdict.REPLAY;
    }

    private static final class AsyncCustomizer implements McpAsyncHttpClientRequestCustomizer {
        private final TokenRefreshDecorator tokens;

        AsyncCustomizer(TokenRefreshDecorator tokens) {
            this.tokens = tokens;
        }

        @Override
        public Publisher<HttpRequest.Builder> customize(HttpRequest.Builder builder, String method, URI endpoint,
                                                        String body, McpTransportContext context) {
            // Cancelling the Mono cancels the future, which ends its wait for a refresh; the refresh goes on.
            return Mono.fromCompletionStage(() -> tokens.executeCompletionStage(CompletableFuture::completedFuture))
                .map(token -> authorize(builder, token));
        }

        @Override
        public String toString() {
            return "TokenRefreshMcpTransport.requestCustomizer{" + tokens.getName() + '}';
        }
    }

    private static final class SyncCustomizer implements McpSyncHttpClientRequestCustomizer {
        private final TokenRefreshDecorator tokens;

        SyncCustomizer(TokenRefreshDecorator tokens) {
            this.tokens = tokens;
        }

        @Override
        public void customize(HttpRequest.Builder builder, String method, URI endpoint, String body,
                              McpTransportContext context) {
            authorize(builder, tokens.executeFunction(token -> token));
        }

        @Override
        public String toString() {
            return "TokenRefreshMcpTransport.syncRequestCustomizer{" + tokens.getName() + '}';
        }
    }

    private static final class AsyncHandler implements McpHttpClientTransportAuthorizationErrorHandler {
        private final TokenRefreshDecorator tokens;

        AsyncHandler(TokenRefreshDecorator tokens) {
            this.tokens = tokens;
        }

        @Override
        public Publisher<Boolean> handle(HttpRequestSnapshot request, HttpResponse.ResponseInfo response,
                                         McpTransportContext context) {
            Optional<String> rejected = rejectedToken(request, response);
            if (rejected.isEmpty()) {
                return Mono.just(false);
            }
            return Mono.fromCompletionStage(() -> tokens.executeCompletionStage(
                    token -> CompletableFuture.<Verdict>completedFuture(judge(token, rejected.get()))))
                .map(verdict -> verdict == Verdict.REPLAY);
        }

        @Override
        public String toString() {
            return "TokenRefreshMcpTransport.authorizationErrorHandler{" + tokens.getName() + '}';
        }
    }

    private static final class SyncHandler implements McpHttpClientTransportAuthorizationErrorHandler.Sync {
        private final TokenRefreshDecorator tokens;

        SyncHandler(TokenRefreshDecorator tokens) {
            this.tokens = tokens;
        }

        @Override
        public boolean handle(HttpRequestSnapshot request, HttpResponse.ResponseInfo response,
                              McpTransportContext context) {
            Optional<String> rejected = rejectedToken(request, response);
            return rejected.isPresent()
                && tokens.executeFunction(token -> judge(token, rejected.get())) == Verdict.REPLAY;
        }

        @Override
        public String toString() {
            return "TokenRefreshMcpTransport.syncAuthorizationErrorHandler{" + tokens.getName() + '}';
        }
    }
}
