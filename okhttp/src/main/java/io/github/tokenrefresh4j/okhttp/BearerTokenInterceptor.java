package io.github.tokenrefresh4j.okhttp;

import io.github.tokenrefresh4j.BearerChallenge;
import io.github.tokenrefresh4j.BearerExchange;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefresher;
import io.github.tokenrefresh4j.internal.Unjudged;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * An OkHttp application {@link Interceptor} that adds {@code Authorization: Bearer} with the decorator's token and
 * lets the decorator handle {@code 401 invalid_token}: one refresh however many calls are rejected together, then
 * each call is sent again with the new token. A call rejected with a token that was already replaced is sent again
 * with the current one, without a refresh.
 *
 * <pre>{@code
 * TokenRefreshDecorator tokens = BearerTokenInterceptor.decorator("orders-api",
 *     current -> tokenEndpoint.clientCredentials("orders"));
 * OkHttpClient client = new OkHttpClient.Builder()
 *     .addInterceptor(new BearerTokenInterceptor(tokens))
 *     .build();
 * }</pre>
 *
 * <ul>
 *   <li>A request that already carries an {@code Authorization} header is sent unchanged. A token client made with
 *       {@code client.newBuilder()} inherits this interceptor, and its token request, which authenticates with
 *       {@code Basic} client credentials, must keep them. A token request without an {@code Authorization} header
 *       (client credentials in the form body) must not go through this interceptor: the refresher would call
 *       through its own decorator, which fails fast with a {@link TokenRefreshException} saying so. Build that token
 *       client from a builder without this interceptor.</li>
 *   <li>A call that waits for a refresh stops waiting when it is cancelled, by {@code Call.cancel()} or by its
 *       {@code callTimeout}, with an {@link InterruptedIOException}; the shared refresh goes on for the other
 *       calls. The network call itself always runs on OkHttp's call thread.</li>
 *   <li>The rejected response that the decorator discards to send the call again is closed first (a
 *       {@code Response} is {@link AutoCloseable}; see {@link TokenRefreshConfig#getConsumeResultBeforeRetryAttempt()}),
 *       as OkHttp requires before an interceptor proceeds a second time.</li>
 *   <li>A request whose body is one-shot ({@code RequestBody.isOneShot()}) is sent once, with the token: a rejection
 *       reaches the caller unchanged, and the decorator takes no verdict from it (the next call that can be sent
 *       again finds the token rejected), as OkHttp itself never sends a one-shot body twice.</li>
 *   <li>When the call cannot get a token, the {@link TokenRefreshException} reaches OkHttp as the cause of an
 *       {@link IOException}, the type OkHttp expects from an interceptor.</li>
 * </ul>
 */
public final class BearerTokenInterceptor implements Interceptor {

    static final String AUTHORIZATION = "Authorization";

    /** OkHttp's side of the attach-send-judge-retry loop; a rejected response is closed, as a Response is. */
    static final BearerExchange<Request, Response> EXCHANGE = BearerExchange.<Request, Response>builder(Response.class)
        .attach((request, token) -> request.newBuilder().header(AUTHORIZATION, "Bearer " + token.value()).build())
        .ownCredentials(request -> request.header(AUTHORIZATION) != null)
        .status(Response::code)
        .challenges(response -> response.headers("WWW-Authenticate"))
        .build();

    /**
     * A 401 whose {@code Bearer} challenge says {@code invalid_token} (RFC 6750 §3.1), read by
     * {@link BearerChallenge}: the one answer a new token can fix. A bare 401 or a 403 reaches the caller unchanged.
     */
    public static final Predicate<Object> INVALID_TOKEN = EXCHANGE.invalidToken();

    private final TokenRefreshDecorator tokens;

    /**
     * @param tokens a decorator whose {@code refreshOnResult} recognises rejected responses, such as
     *               {@link #decorator(String, TokenRefresher)} builds
     * @throws NullPointerException if {@code tokens} is null
     */
    public BearerTokenInterceptor(TokenRefreshDecorator tokens) {
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
    }

    /**
     * A decorator with the default configuration that refreshes when the server answers {@link #INVALID_TOKEN}. For
     * other options, start from {@code TokenRefreshConfig.custom().refreshOnResult(INVALID_TOKEN)}.
     *
     * @param name      the decorator's name, used in events, metrics and messages
     * @param refresher obtains new tokens
     * @return the decorator
     * @throws NullPointerException naming the parameter that is null
     */
    public static TokenRefreshDecorator decorator(String name, TokenRefresher refresher) {
        return EXCHANGE.decorator(name, refresher);
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request request = chain.request();
        if (EXCHANGE.hasOwnCredentials(request)) {
            return chain.proceed(request);
        }
        if (request.body() != null && request.body().isOneShot()) {
            Predicate<Object> rejection = tokens.getTokenRefreshConfig().getRefreshOnResult();
            // no verdict, no second write of the body
            return CallBoundExecution.execute(tokens, chain.call(),
                Unjudged.onRejection(rejection, token -> chain.proceed(EXCHANGE.attach(request, token))));
        }
        return CallBoundExecution.execute(tokens, chain.call(),
            token -> chain.proceed(EXCHANGE.attach(request, token)));
    }

    /** Names the decorator, never a token. */
    @Override
    public String toString() {
        return "BearerTokenInterceptor{" + tokens.getName() + '}';
    }
}
