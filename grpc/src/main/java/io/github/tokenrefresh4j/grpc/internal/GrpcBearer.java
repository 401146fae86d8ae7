package io.github.tokenrefresh4j.grpc.internal;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Metadata;
import io.grpc.Status;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/** What the call credentials and the interceptor share: the header, the attempt's token, the failure status. */
public final class GrpcBearer {

    /** The {@code authorization} header (gRPC metadata keys are lower case). */
    public static final Metadata.Key<String> AUTHORIZATION =
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    /**
     * The token of one attempt, set by the interceptor: call credentials attach it instead of asking the decorator,
     * so the token the server judges is the one the decorator bound to the attempt.
     */
    static final CallOptions.Key<CompletionStage<AccessToken>> ATTEMPT_TOKEN =
        CallOptions.Key.create("tokenrefresh4j.attemptToken");

    private GrpcBearer() {
    }

    /** @return the attempt's token that the interceptor set in these options, or null */
    public static CompletionStage<AccessToken> attemptToken(CallOptions options) {
        return options == null ? null : options.getOption(ATTEMPT_TOKEN);
    }

    /**
     * Applies the token when the stage completes: at once, on this thread, when it is complete already; otherwise on
     * the thread that completes it. Never blocks.
     */
    public static void apply(CompletionStage<AccessToken> token, CallCredentials.MetadataApplier applier) {
        token.whenComplete((value, failure) -> {
            if (failure != null) {
                applier.fail(failureStatus(failure));
            } else {
                Metadata headers = new Metadata();
                headers.put(AUTHORIZATION, "Bearer " + value.value());
                applier.apply(headers);
            }
        });
    }

    /**
     * The status of a call that could not get a token: {@code UNAVAILABLE} (the token endpoint failed, timed out or
     * is cooling down; a later call may succeed), {@code CANCELLED} for a cancelled wait, otherwise the status
     * gRPC derives from the exception. Its description is the exception's message, which never holds a token.
     */
    public static Status failureStatus(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof TokenRefreshException) {
            return Status.UNAVAILABLE.withDescription("no access token: " + cause.getMessage()).withCause(cause);
        }
        if (cause instanceof CancellationException) {
            return Status.CANCELLED.withDescription("cancelled while waiting for an access token").withCause(cause);
        }
        return Status.fromThrowable(cause);
    }

    static Throwable unwrap(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
            && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** A stage already failed with this throwable. */
    static <T> CompletableFuture<T> failed(Throwable t) {
        CompletableFuture<T> f = new CompletableFuture<>();
        f.completeExceptionally(t);
        return f;
    }
}
