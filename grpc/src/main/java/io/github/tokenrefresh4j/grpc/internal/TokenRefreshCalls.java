package io.github.tokenrefresh4j.grpc.internal;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.grpc.TokenRefreshCallCredentials;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.CompositeCallCredentials;

import java.util.concurrent.CompletionStage;

/** Sets the token of one attempt in its call options. */
public final class TokenRefreshCalls {

    private TokenRefreshCalls() {
    }

    /**
     * The options of an attempt: its token in {@link GrpcBearer#ATTEMPT_TOKEN}, and call credentials that attach it.
     * Credentials the caller set are kept: a {@link TokenRefreshCallCredentials} reads the attempt's token itself,
     * other credentials are composed with ours.
     */
    static CallOptions withToken(TokenRefreshDecorator tokens, CallOptions options,
                                 CompletionStage<AccessToken> token) {
        CallOptions withToken = options.withOption(GrpcBearer.ATTEMPT_TOKEN, token);
        CallCredentials existing = options.getCredentials();
        if (existing instanceof TokenRefreshCallCredentials) {
            return withToken;
        }
        CallCredentials ours = TokenRefreshCallCredentials.of(tokens);
        return withToken.withCallCredentials(existing == null ? ours : new CompositeCallCredentials(existing, ours));
    }
}
