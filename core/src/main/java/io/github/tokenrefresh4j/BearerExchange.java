package io.github.tokenrefresh4j;

import io.github.tokenrefresh4j.internal.Unjudged;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * The attach-send-judge-retry loop of a bearer-token HTTP adapter, written once for every client: how the client
 * attaches a token to a request, reads a response's status and {@code WWW-Authenticate} challenges, and releases a
 * rejected response. Each adapter (OkHttp, Spring, Apache HttpClient, Feign) describes its client with one of these
 * and keeps only its own plumbing; the decorator does the judging and the retrying.
 *
 * <pre>{@code
 * BearerExchange<HttpRequest, HttpResponse<String>> exchange =
 *     BearerExchange.<HttpRequest, HttpResponse<String>>builder(HttpResponse.class)
 *         .attach((request, token) -> HttpRequest.newBuilder(request, (name, value) -> true)
 *             .setHeader("Authorization", "Bearer " + token.value())
 *             .build())
 *         .ownCredentials(request -> request.headers().firstValue("Authorization").isPresent())
 *         .status(HttpResponse::statusCode)
 *         .challenges(response -> response.headers().allValues("WWW-Authenticate"))
 *         .build();
 * TokenRefreshDecorator tokens = exchange.decorator("orders-api", refresher);
 * HttpResponse<String> orders = exchange.execute(tokens, HttpRequest.newBuilder(uri).build(),
 *     request -> http.send(request, HttpResponse.BodyHandlers.ofString()));
 * }</pre>
 *
 * <ul>
 *   <li>A response is a rejection ({@link #invalidToken()}) when it is a 401 whose {@code Bearer} challenge says
 *       {@code invalid_token} (read by {@link BearerChallenge}); a bare 401 or a 403 reaches the caller unchanged.</li>
 *   <li>A request that carries its own credentials ({@link Builder#ownCredentials}) is sent unchanged, without a
 *       token and without the decorator.</li>
 *   <li>{@link #execute} and {@link #executeAsync} send a request again, with the decorator's next token, as often
 *       as the decorator allows ({@code maxRefreshAttemptsPerCall}, default once); then the last response is the
 *       caller's, a 401 included. {@link #executeOnce} sends it once, for a body that cannot be sent twice.</li>
 * </ul>
 *
 * <p>Instances are immutable and thread-safe; adapters keep one in a constant.
 *
 * @param <Q> the client's request type
 * @param <R> the client's response type
 */
public final class BearerExchange<Q, R> {

    private final Class<?> responseType;
    private final BiFunction<Q, AccessToken, Q> attach;
    private final Predicate<Q> ownCredentials;
    private final ToIntFunction<R> status;
    private final Function<R, ? extends Iterable<String>> challenges;
    private final Consumer<R> release;
    private final Predicate<Object> invalidToken;
    private final Consumer<Object> releaseRejected;

    private BearerExchange(Builder<Q, R> builder) {
        this.responseType = builder.responseType;
        this.attach = Objects.requireNonNull(builder.attach, "attach must be set");
        this.ownCredentials = builder.ownCredentials;
        this.status = Objects.requireNonNull(builder.status, "status must be set");
        this.challenges = Objects.requireNonNull(builder.challenges, "challenges must be set");
        this.release = builder.release;
        this.invalidToken = this::isInvalidToken;
        this.releaseRejected = this::releaseRejected;
    }

    /**
     * Starts describing a client.
     *
     * @param responseType the class of the client's responses; results of other types are never rejections
     * @param <Q>          the client's request type
     * @param <R>          the client's response type
     * @return a builder
     * @throws NullPointerException if {@code responseType} is null
     */
    public static <Q, R> Builder<Q, R> builder(Class<? super R> responseType) {
        return new Builder<>(Objects.requireNonNull(responseType, "responseType must not be null"));
    }

    /**
     * A 401 whose {@code Bearer} challenge says {@code invalid_token} (RFC 6750 §3.1), for
     * {@link TokenRefreshConfig.Builder#refreshOnResult}: the one answer a new token can fix.
     *
     * @return the predicate, true only for a response of this client's type
     */
    public Predicate<Object> invalidToken() {
        return invalidToken;
    }

    /**
     * Releases a rejected response of this client before its request is sent again, for
     * {@link TokenRefreshConfig.Builder#consumeResultBeforeRetryAttempt}; any other result is handled as
     * {@link TokenRefreshConfig#DEFAULT_CONSUME_RESULT_BEFORE_RETRY_ATTEMPT} does.
     *
     * @return the consumer
     */
    public Consumer<Object> releaseRejected() {
        return releaseRejected;
    }

    /**
     * Sets {@link #invalidToken()} and {@link #releaseRejected()} on a configuration, whose other options stay.
     *
     * @param config the configuration to complete, such as {@code TokenRefreshConfig.custom().refreshTimeout(..)}
     * @return the same builder
     * @throws NullPointerException if {@code config} is null
     */
    public TokenRefreshConfig.Builder configure(TokenRefreshConfig.Builder config) {
        return Objects.requireNonNull(config, "config must not be null")
            .refreshOnResult(invalidToken)
            .consumeResultBeforeRetryAttempt(releaseRejected);
    }

    /**
     * A decorator with the default configuration, {@linkplain #configure completed} for this client.
     *
     * @param name      the decorator's name, used in events, metrics and messages
     * @param refresher obtains new tokens
     * @return the decorator
     * @throws NullPointerException naming the parameter that is null
     */
    public TokenRefreshDecorator decorator(String name, TokenRefresher refresher) {
        return TokenRefreshDecorator.of(name, configure(TokenRefreshConfig.custom()).build(), refresher);
    }

    /**
     * @param request a request
     * @return whether it carries its own credentials and must be sent unchanged
     * @throws NullPointerException if {@code request} is null
     */
    public boolean hasOwnCredentials(Q request) {
        return ownCredentials.test(Objects.requireNonNull(request, "request must not be null"));
    }

    /**
     * @param request a request
     * @param token   the token to present
     * @return the request to send, carrying {@code Authorization: Bearer} with the token
     * @throws NullPointerException naming the parameter that is null
     */
    public Q attach(Q request, AccessToken token) {
        return attach.apply(Objects.requireNonNull(request, "request must not be null"),
            Objects.requireNonNull(token, "token must not be null"));
    }

    /**
     * Sends a request with the decorator's token; on a rejection, sends it again with the next one as the decorator
     * allows. A request with its own credentials is sent once, unchanged.
     *
     * @param tokens  the decorator, whose {@code refreshOnResult} recognises this client's rejections
     * @param request the request without a token
     * @param send    sends one attempt
     * @param <E>     the exception {@code send} throws
     * @return the response the decorator settles on: the first that is not a rejection, or the last rejection
     * @throws E                     what {@code send} threw
     * @throws TokenRefreshException when no token could be had
     */
    public <E extends Exception> R execute(TokenRefreshDecorator tokens, Q request, Send<Q, R, E> send) throws E {
        Objects.requireNonNull(send, "send must not be null");
        if (hasOwnCredentials(request)) {
            return send.send(request);
        }
        Objects.requireNonNull(tokens, "tokens must not be null");
        try {
            return tokens.executeCheckedFunction(token -> send.send(attach(request, token)));
        } catch (Throwable t) {
            throw BearerExchange.<E>rethrow(t);
        }
    }

    /**
     * Sends a request once with the decorator's token, without the retry, for a request whose body cannot be sent
     * twice: a rejection reaches the caller as it is, and the decorator takes no verdict from it (a later call that
     * can be retried finds the token rejected). A response that is not a rejection tells the decorator the token
     * was accepted.
     *
     * @see #execute
     */
    public <E extends Exception> R executeOnce(TokenRefreshDecorator tokens, Q request, Send<Q, R, E> send)
        throws E {
        Objects.requireNonNull(send, "send must not be null");
        if (hasOwnCredentials(request)) {
            return send.send(request);
        }
        Objects.requireNonNull(tokens, "tokens must not be null");
        Predicate<Object> rejection = tokens.getTokenRefreshConfig().getRefreshOnResult();
        try {
            return tokens.executeCheckedFunction(
                Unjudged.onRejection(rejection, token -> send.send(attach(request, token))));
        } catch (Unjudged unjudged) {
            @SuppressWarnings("unchecked")
            R response = (R) unjudged.outcome();
            return response;
        } catch (Throwable t) {
            throw BearerExchange.<E>rethrow(t);
        }
    }

    /**
     * The asynchronous {@link #execute}: waits for a refresh without holding a thread. Cancelling the returned
     * stage ends this call's wait and leaves a shared refresh alone.
     *
     * @param tokens  the decorator, whose {@code refreshOnResult} recognises this client's rejections
     * @param request the request without a token
     * @param send    sends one attempt
     * @return the response the decorator settles on; a stage failed with a {@link TokenRefreshException} when no
     *         token could be had, or with what {@code send} failed with
     */
    public CompletionStage<R> executeAsync(TokenRefreshDecorator tokens, Q request,
                                           Function<? super Q, ? extends CompletionStage<R>> send) {
        Objects.requireNonNull(tokens, "tokens must not be null");
        Objects.requireNonNull(send, "send must not be null");
        if (hasOwnCredentials(request)) {
            return sendOnce(send, request);
        }
        return tokens.executeCompletionStage(token -> send.apply(attach(request, token)));
    }

    /** As the decorator treats a decorated send: what it throws or a null stage fails the returned stage. */
    private static <Q, R> CompletionStage<R> sendOnce(Function<? super Q, ? extends CompletionStage<R>> send,
                                                      Q request) {
        try {
            CompletionStage<R> stage = send.apply(request);
            return stage != null ? stage : CompletableFuture.failedFuture(
                new NullPointerException("send returned null instead of a CompletionStage"));
        } catch (Throwable t) {
            return CompletableFuture.failedFuture(t);
        }
    }

    /** Rethrows unchanged: the decorator throws only unchecked exceptions of its own, and what {@code send} threw. */
    @SuppressWarnings("unchecked")
    private static <E extends Exception> E rethrow(Throwable t) throws E {
        if (t instanceof RuntimeException) {
            throw (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        throw (E) t;
    }

    private boolean isInvalidToken(Object result) {
        if (!responseType.isInstance(result)) {
            return false;
        }
        @SuppressWarnings("unchecked")
        R response = (R) result;
        return status.applyAsInt(response) == 401 && BearerChallenge.isInvalidToken(challenges.apply(response));
    }

    private void releaseRejected(Object result) {
        if (release != null && responseType.isInstance(result)) {
            @SuppressWarnings("unchecked")
            R response = (R) result;
            release.accept(response);
        } else {
            TokenRefreshConfig.DEFAULT_CONSUME_RESULT_BEFORE_RETRY_ATTEMPT.accept(result);
        }
    }

    /** Names the response type only. */
    @Override
    public String toString() {
        return "BearerExchange{" + responseType.getSimpleName() + '}';
    }

    /**
     * Sends one attempt of a request.
     *
     * @param <Q> the request type
     * @param <R> the response type
     * @param <E> the exception it throws
     */
    @FunctionalInterface
    public interface Send<Q, R, E extends Exception> {

        /**
         * @param request the request, with its token attached
         * @return the response
         * @throws E when the request could not be sent
         */
        R send(Q request) throws E;
    }

    /**
     * Describes a client to a {@link BearerExchange}.
     *
     * @param <Q> the client's request type
     * @param <R> the client's response type
     */
    public static final class Builder<Q, R> {

        private final Class<?> responseType;
        private BiFunction<Q, AccessToken, Q> attach;
        private Predicate<Q> ownCredentials = request -> false;
        private ToIntFunction<R> status;
        private Function<R, ? extends Iterable<String>> challenges;
        private Consumer<R> release;

        private Builder(Class<?> responseType) {
            this.responseType = responseType;
        }

        /**
         * How to attach a token: set {@code Authorization: Bearer <token>} on the request, or on a copy of it.
         *
         * @param attach returns the request to send; it may be the request it was given
         * @return this builder
         * @throws NullPointerException if {@code attach} is null
         */
        public Builder<Q, R> attach(BiFunction<Q, AccessToken, Q> attach) {
            this.attach = Objects.requireNonNull(attach, "attach must not be null");
            return this;
        }

        /**
         * Which requests carry their own credentials (typically an {@code Authorization} header already): they are
         * sent unchanged, so that a token request made through the same client keeps its client credentials. By
         * default, none.
         *
         * @param ownCredentials true for a request to send unchanged
         * @return this builder
         * @throws NullPointerException if {@code ownCredentials} is null
         */
        public Builder<Q, R> ownCredentials(Predicate<Q> ownCredentials) {
            this.ownCredentials = Objects.requireNonNull(ownCredentials, "ownCredentials must not be null");
            return this;
        }

        /**
         * How to read a response's status code.
         *
         * @param status the status code of a response
         * @return this builder
         * @throws NullPointerException if {@code status} is null
         */
        public Builder<Q, R> status(ToIntFunction<R> status) {
            this.status = Objects.requireNonNull(status, "status must not be null");
            return this;
        }

        /**
         * How to read a response's {@code WWW-Authenticate} values, one per header line.
         *
         * @param challenges the values, an empty iterable when the header is absent
         * @return this builder
         * @throws NullPointerException if {@code challenges} is null
         */
        public Builder<Q, R> challenges(Function<R, ? extends Iterable<String>> challenges) {
            this.challenges = Objects.requireNonNull(challenges, "challenges must not be null");
            return this;
        }

        /**
         * How to release a rejected response before its request is sent again, such as draining and closing its
         * body so that its connection goes back to the pool. By default, a response that is {@link AutoCloseable} is
         * closed ({@link TokenRefreshConfig#DEFAULT_CONSUME_RESULT_BEFORE_RETRY_ATTEMPT}).
         *
         * @param release releases a rejected response
         * @return this builder
         * @throws NullPointerException if {@code release} is null
         */
        public Builder<Q, R> release(Consumer<R> release) {
            this.release = Objects.requireNonNull(release, "release must not be null");
            return this;
        }

        /**
         * @return the exchange
         * @throws NullPointerException naming {@code attach}, {@code status} or {@code challenges} if one was not set
         */
        public BearerExchange<Q, R> build() {
            return new BearerExchange<>(this);
        }
    }
}
