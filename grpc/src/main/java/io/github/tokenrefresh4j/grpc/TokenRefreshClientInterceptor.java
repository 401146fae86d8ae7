package io.github.tokenrefresh4j.grpc;

import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefresher;
import io.github.tokenrefresh4j.grpc.internal.CallOutcome;
import io.github.tokenrefresh4j.grpc.internal.RetryingUnaryCall;
import io.github.tokenrefresh4j.grpc.internal.StreamingCall;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

import java.util.Objects;
import java.util.function.Predicate;

/**
 * A gRPC {@link ClientInterceptor} that sends each call with the decorator's bearer token and lets the decorator
 * handle an {@code UNAUTHENTICATED} answer: one refresh however many calls are rejected together, then each unary
 * call is sent again, once, with the new token. A call rejected with a token that was already replaced is sent again
 * with the current one and refreshes nothing.
 *
 * <pre>{@code
 * TokenRefreshDecorator tokens = TokenRefreshClientInterceptor.decorator("orders-api",
 *     current -> tokenEndpoint.clientCredentials("orders"));
 * ManagedChannel channel = ManagedChannelBuilder.forTarget("orders.example.com:443")
 *     .intercept(new TokenRefreshClientInterceptor(tokens))
 *     .build();
 * }</pre>
 *
 * <ul>
 *   <li><b>Unary calls</b> are retried: the request message is kept, each attempt is a new call carrying the token
 *       the decorator bound to it (through {@link TokenRefreshCallCredentials}, composed with the call's own
 *       credentials), and the caller sees one outcome, the last attempt's. A call rejected again after its retry
 *       ends with that {@code UNAUTHENTICATED}. Nothing blocks: a call that waits for a refresh holds no thread.</li>
 *   <li><b>Streaming calls</b> (client, server, bidi) carry the token but are never replayed: messages already
 *       sent cannot be taken back. An {@code UNAUTHENTICATED} close reaches the caller unchanged; if it rejected the
 *       current token, the decorator refreshes it once, for the calls that follow.</li>
 *   <li>A wait for a token ends when the call is cancelled, when its deadline passes or when its {@code Context}
 *       is cancelled; the shared refresh goes on for the other calls. When no token can be had (the refresher failed,
 *       timed out after {@code refreshTimeout}, or is cooling down) the call closes with {@code UNAVAILABLE} whose
 *       cause is the {@link io.github.tokenrefresh4j.TokenRefreshException}.</li>
 *   <li>What counts as rejected is the decorator's {@code refreshOnResult}: {@link #UNAUTHENTICATED}, as
 *       {@link #decorator(String, TokenRefresher)} sets.</li>
 *   <li>Every call through the interceptor gets the decorator's token. A call that sets its own {@code authorization}
 *       metadata would send both: give such calls a channel without this interceptor.</li>
 * </ul>
 */
public final class TokenRefreshClientInterceptor implements ClientInterceptor {

    /** An attempt that ended with {@link Status.Code#UNAUTHENTICATED}: the answer a new token can fix. */
    public static final Predicate<Object> UNAUTHENTICATED = result -> result instanceof CallOutcome
        && ((CallOutcome) result).status().getCode() == Status.Code.UNAUTHENTICATED;

    private final TokenRefreshDecorator tokens;

    /**
     * @param tokens a decorator whose {@code refreshOnResult} recognises {@link #UNAUTHENTICATED}, such as
     *               {@link #decorator(String, TokenRefresher)} builds
     * @throws NullPointerException     if {@code tokens} is null
     * @throws IllegalArgumentException if its {@code refreshOnResult} does not recognise an {@code UNAUTHENTICATED}
     *                                  attempt: no call would ever be retried
     */
    public TokenRefreshClientInterceptor(TokenRefreshDecorator tokens) {
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
        String refused = "tokens '" + tokens.getName() + "' would not recognise an UNAUTHENTICATED call, so no call "
            + "would be retried: build it with TokenRefreshClientInterceptor.decorator(name, refresher) or with "
            + "refreshOnResult(TokenRefreshClientInterceptor.UNAUTHENTICATED)";
        boolean recognised;
        try {
            recognised = tokens.getTokenRefreshConfig().getRefreshOnResult()
                .test(CallOutcome.of(Status.UNAUTHENTICATED));
        } catch (RuntimeException e) { // a predicate written for another client's responses
            throw new IllegalArgumentException(refused, e);
        }
        if (!recognised) {
            throw new IllegalArgumentException(refused);
        }
    }

    /**
     * A decorator with the default configuration that refreshes when a call ends {@link #UNAUTHENTICATED}. For other
     * options, start from {@code TokenRefreshConfig.custom().refreshOnResult(UNAUTHENTICATED)}.
     *
     * @param name      the decorator's name, used in events, metrics and messages
     * @param refresher obtains new tokens
     * @return the decorator
     * @throws NullPointerException naming the parameter that is null
     */
    public static TokenRefreshDecorator decorator(String name, TokenRefresher refresher) {
        return TokenRefreshDecorator.of(name,
            TokenRefreshConfig.custom().refreshOnResult(UNAUTHENTICATED).build(),
            refresher);
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
                                                               CallOptions callOptions, Channel next) {
        if (method.getType() == MethodDescriptor.MethodType.UNARY) {
            return new RetryingUnaryCall<>(tokens, next, method, callOptions);
        }
        return StreamingCall.create(tokens, next, method, callOptions);
    }

    /** Names the decorator, never a token. */
    @Override
    public String toString() {
        return "TokenRefreshClientInterceptor{" + tokens.getName() + '}';
    }
}
