package io.github.tokenrefresh4j.grpc.internal;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A client-, server- or bidi-streaming call: started at once, with call credentials that attach the token when the
 * decorator hands it over (gRPC holds the stream, and its messages, until then). The call is never replayed: its
 * listener sees the stream's own status. An {@code UNAUTHENTICATED} close is still judged by the decorator, so a
 * rejected current token is refreshed once for the calls that follow; the decorator's retry ends at once, unused.
 */
public final class StreamingCall<ReqT, RespT> extends ForwardingClientCall.SimpleForwardingClientCall<ReqT, RespT> {

    private final TokenRefreshDecorator tokens;
    private final CompletableFuture<AccessToken> token;
    private final CompletableFuture<CallOutcome> closed = new CompletableFuture<>();
    private final AtomicBoolean attempted = new AtomicBoolean();
    private volatile CompletableFuture<CallOutcome> outcome;

    private StreamingCall(TokenRefreshDecorator tokens, ClientCall<ReqT, RespT> delegate,
                          CompletableFuture<AccessToken> token) {
        super(delegate);
        this.tokens = tokens;
        this.token = token;
    }

    public static <ReqT, RespT> StreamingCall<ReqT, RespT> create(TokenRefreshDecorator tokens, Channel next,
                                                                  MethodDescriptor<ReqT, RespT> method,
                                                                  CallOptions options) {
        CompletableFuture<AccessToken> token = new CompletableFuture<>();
        return new StreamingCall<>(tokens, next.newCall(method, TokenRefreshCalls.withToken(tokens, options, token)),
            token);
    }

    @Override
    public void start(Listener<RespT> responseListener, Metadata headers) {
        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<RespT>(responseListener) {
            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.complete(new CallOutcome(status, trailers, null, null));
                CompletableFuture<CallOutcome> pending = outcome;
                if (!token.isDone() && pending != null) {
                    pending.cancel(false); // closed (deadline, cancel) while it waited for a token
                }
                super.onClose(status, trailers);
            }
        }, headers);
        CompletionStage<CallOutcome> stage = tokens.executeCompletionStage(this::attempt);
        outcome = stage.toCompletableFuture();
        stage.whenComplete((result, failure) -> {
            if (failure != null) {
                token.completeExceptionally(failure); // the credentials fail the stream with its status
            }
        });
    }

    @Override
    public void cancel(String message, Throwable cause) {
        super.cancel(message, cause);
        CompletableFuture<CallOutcome> pending = outcome;
        if (pending != null && !token.isDone()) {
            pending.cancel(false);
        }
    }

    /** Called by the decorator: the first attempt is this stream; a retry after its rejection is never replayed. */
    private CompletionStage<CallOutcome> attempt(AccessToken attemptToken) {
        if (!attempted.compareAndSet(false, true)) {
            return GrpcBearer.failed(NoReplay.INSTANCE);
        }
        token.complete(attemptToken);
        return closed;
    }
}
