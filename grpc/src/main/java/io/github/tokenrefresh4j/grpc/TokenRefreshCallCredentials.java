package io.github.tokenrefresh4j.grpc;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.grpc.internal.GrpcBearer;
import io.grpc.CallCredentials;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * gRPC {@link CallCredentials} that attach {@code authorization: Bearer <token>} from a {@link TokenRefreshDecorator}
 * without blocking the transport thread: a token that is valid is attached at once, on the calling thread; when the
 * token has expired the call's metadata is applied when the one shared refresh completes, by its thread, and the
 * transport holds the call until then. A call that cannot get a token fails with {@code UNAVAILABLE} whose cause is
 * the {@link io.github.tokenrefresh4j.TokenRefreshException} (its message holds no token).
 *
 * <pre>{@code
 * TokenRefreshDecorator tokens = TokenRefreshClientInterceptor.decorator("orders-api",
 *     current -> tokenEndpoint.clientCredentials("orders"));
 * OrdersGrpc.OrdersBlockingStub orders = OrdersGrpc.newBlockingStub(channel)
 *     .withCallCredentials(TokenRefreshCallCredentials.of(tokens));
 * }</pre>
 *
 * <p>Credentials see requests, never responses: alone, they refresh a token when it expires, not when the server
 * rejects it. To retry a unary call that the server answers {@code UNAUTHENTICATED}, add
 * {@link TokenRefreshClientInterceptor} to the channel; it uses these credentials for each attempt (or composes them
 * with the call's own credentials). The token is sent whatever the channel's security level: use TLS.
 */
public final class TokenRefreshCallCredentials extends CallCredentials {

    private final TokenRefreshDecorator tokens;

    private TokenRefreshCallCredentials(TokenRefreshDecorator tokens) {
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
    }

    /**
     * @param tokens the decorator whose token the calls carry
     * @return credentials that attach its token
     * @throws NullPointerException if {@code tokens} is null
     */
    public static TokenRefreshCallCredentials of(TokenRefreshDecorator tokens) {
        return new TokenRefreshCallCredentials(tokens);
    }

    @Override
    public void applyRequestMetadata(RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
        CompletionStage<AccessToken> token = GrpcBearer.attemptToken(requestInfo.getCallOptions());
        if (token == null) {
            // Inline when the token is valid; otherwise completed by the refresh, never blocking this thread.
            token = tokens.executeCompletionStage(CompletableFuture::completedFuture);
        }
        GrpcBearer.apply(token, applier);
    }

    /** Names the decorator, never a token. */
    @Override
    public String toString() {
        return "TokenRefreshCallCredentials{" + tokens.getName() + '}';
    }
}
