package io.github.tokenrefresh4j.okhttp;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.internal.Unjudged;
import okhttp3.Authenticator;
import okhttp3.Call;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.Route;

import java.io.IOException;
import java.util.Objects;
import java.util.function.Predicate;

import static io.github.tokenrefresh4j.okhttp.BearerTokenInterceptor.AUTHORIZATION;
import static io.github.tokenrefresh4j.okhttp.BearerTokenInterceptor.EXCHANGE;
import static io.github.tokenrefresh4j.okhttp.BearerTokenInterceptor.INVALID_TOKEN;

/**
 * The same job as {@link BearerTokenInterceptor}, through OkHttp's {@link Authenticator} hook, for clients that
 * already answer challenges there: the 401 goes back through OkHttp's follow-up handling (its events, its limit on
 * follow-ups, its network interceptors) instead of being retried inside an interceptor.
 *
 * <p>Register it twice: as an interceptor it presents the current token on every request, and as the authenticator
 * it answers {@code 401 invalid_token} with the next one. Alone, as the authenticator only, every request would
 * first go out without a token and cost a 401.
 * <pre>{@code
 * TokenRefreshDecorator tokens = BearerTokenInterceptor.decorator("orders-api", refresher);
 * TokenRefreshAuthenticator bearer = new TokenRefreshAuthenticator(tokens);
 * OkHttpClient client = new OkHttpClient.Builder()
 *     .addInterceptor(bearer)
 *     .authenticator(bearer)
 *     .build();
 * }</pre>
 *
 * <ul>
 *   <li>On {@code 401 invalid_token} for the token the decorator still holds, one refresh runs however many calls
 *       are rejected together, and each call is sent again with the new token. For a token that was already
 *       replaced, the call is sent again with the current token and nothing is refreshed.</li>
 *   <li>A call is answered at most once: a second 401, a 401 without {@code invalid_token}, or a 401 to
 *       credentials other than a bearer token reaches the caller unchanged.</li>
 *   <li>The decorator must recognise the rejected response in its {@code refreshOnResult}
 *       ({@link BearerTokenInterceptor#INVALID_TOKEN}, as {@link BearerTokenInterceptor#decorator} sets), and its
 *       {@code refreshOnException}, if any, must match exceptions only, never every {@code Throwable}.</li>
 *   <li>A token counts as accepted only once the server answered it with something other than a rejection, as with
 *       the interceptor: tokens the API keeps rejecting (minted for another audience, say) start the decorator's
 *       cooldown after two in a row instead of costing a refresh per call.</li>
 *   <li>As with the interceptor, a request that already carries an {@code Authorization} header is left alone, a
 *       wait for a refresh ends when the call is cancelled or its {@code callTimeout} fires, and a failed refresh
 *       reaches OkHttp as an {@link IOException} caused by the {@link TokenRefreshException}.</li>
 * </ul>
 */
public final class TokenRefreshAuthenticator implements Authenticator, Interceptor {

    private final TokenRefreshDecorator tokens;

    /**
     * @param tokens a decorator whose {@code refreshOnResult} is {@link BearerTokenInterceptor#INVALID_TOKEN}
     * @throws NullPointerException if {@code tokens} is null
     */
    public TokenRefreshAuthenticator(TokenRefreshDecorator tokens) {
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
    }

    /**
     * Presents the decorator's current token, and remembers the call so that a later wait can end with it. The
     * response, after any answer of {@link #authenticate}, tells the decorator that the token was accepted, unless
     * it is still a rejection: {@link #authenticate} gave its verdict on that one already.
     */
    @Override
    public Response intercept(Chain chain) throws IOException {
        Request request = chain.request();
        if (EXCHANGE.hasOwnCredentials(request)) {
            return chain.proceed(request);
        }
        Request tagged = request.newBuilder().tag(Call.class, chain.call()).build();
        Predicate<Object> rejection = tokens.getTokenRefreshConfig().getRefreshOnResult();
        return CallBoundExecution.execute(tokens, chain.call(),
            Unjudged.onRejection(rejection, token -> chain.proceed(withToken(tagged, token))));
    }

    @Override
    public Request authenticate(Route route, Response response) throws IOException {
        if (response.code() != 401 || answeredBefore(response)) {
            return null;
        }
        Request request = response.request();
        Call call = request.tag(Call.class);
        String presented = request.header(AUTHORIZATION);
        if (presented == null) {
            // Used as the authenticator only: the server asked for credentials that were not sent.
            return withToken(request, CallBoundExecution.<AccessToken>execute(tokens, call, current -> {
                throw new Unjudged(current);
            }));
        }
        if (!presented.startsWith("Bearer ") || !INVALID_TOKEN.test(response)) {
            return null;
        }
        String rejected = presented.substring("Bearer ".length());
        // The response is the rejected outcome of an attempt made with the token the decorator holds; the decorator
        // then refreshes (or, for a replaced token, hands out the current one) and asks again. The token to answer
        // with goes back without a verdict: only the server's answer may accept it (see intercept), else tokens
        // the API always rejects would each count as accepted and never start the cooldown.
        Object outcome = CallBoundExecution.execute(tokens, call, current -> {
            if (current.value().equals(rejected)) {
                return response;
            }
            throw new Unjudged(current);
        });
        return outcome instanceof AccessToken ? withToken(request, (AccessToken) outcome) : null;
    }

    private static boolean answeredBefore(Response response) {
        for (Response prior = response.priorResponse(); prior != null; prior = prior.priorResponse()) {
            if (prior.code() == 401) {
                return true;
            }
        }
        return false;
    }

    private static Request withToken(Request request, AccessToken token) {
        return EXCHANGE.attach(request, token);
    }

    /** Names the decorator, never a token. */
    @Override
    public String toString() {
        return "TokenRefreshAuthenticator{" + tokens.getName() + '}';
    }
}
