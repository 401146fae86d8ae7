package io.github.tokenrefresh4j.examples;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.core.functions.CheckedFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefresher;
import io.github.tokenrefresh4j.oauth2.TokenEndpointException;

import java.lang.reflect.UndeclaredThrowableException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Recipe: a refresher guarded by its own Resilience4j {@link Retry}, because the token endpoint fails now and then
 * too. The decorator still runs one refresh at a time, so the retry multiplies nothing: a storm of expired calls
 * still makes one token request, plus its retries.
 *
 * <pre>{@code
 * TokenRefresher refresher = GuardedRefresher.withRetry(
 *     Retry.of("token-endpoint", GuardedRefresher.TRANSIENT_FAILURES),
 *     OAuth2TokenRefresher.refreshToken(tokenEndpoint, "orders-client", clientSecret, refreshToken).build());
 * TokenRefreshDecorator tokens = TokenRefreshDecorator.of("orders-api", config, refresher);
 * }</pre>
 *
 * <p><b>A retry can spend a refresh token.</b> With a rotating refresh-token grant, the server replaces the refresh
 * token as it answers. If that answer is lost (a read timeout, a dropped connection, a 502 or 504 from a gateway),
 * the server has already rotated, and a retry presents the spent refresh token: a server that detects reuse then
 * revokes the whole token family (RFC 9700 §4.14.2), and the client must sign in again. So the default,
 * {@link #NOTHING_ISSUED}, retries only failures that show nothing was issued. For the client-credentials grant,
 * which has nothing to spend, retrying every {@link TokenEndpointException#isTransient() transient} failure is safe.
 *
 * <p>Keep every attempt and wait inside the decorator's {@code refreshTimeout}; past it the waiting calls are
 * released with a {@code TokenRefreshException}, and a late token from the refresher is discarded.
 */
public final class GuardedRefresher {

    /**
     * The token endpoint failures after which a second request cannot present a spent refresh token: the request
     * never reached the server (the connection was refused or timed out, or the host was not found), or the server
     * answered 429, 503 or {@code temporarily_unavailable}, each of which says the request was not processed. A read timeout, a
     * dropped connection and the other 5xx answers are not retried: the server may have rotated before the answer
     * was lost. Nor is a refused request such as {@code invalid_client}: asking again gets the same answer.
     */
    public static final Predicate<Throwable> NOTHING_ISSUED = GuardedRefresher::nothingIssued;

    /** Three attempts, 100 ms then 200 ms apart, on the failures {@link #NOTHING_ISSUED} accepts. */
    public static final RetryConfig TRANSIENT_FAILURES = RetryConfig.custom()
        .maxAttempts(3)
        .intervalFunction(IntervalFunction.ofExponentialBackoff(Duration.ofMillis(100), 2))
        .retryOnException(NOTHING_ISSUED)
        .build();

    private GuardedRefresher() {
    }

    private static boolean nothingIssued(Throwable failure) {
        if (!(failure instanceof TokenEndpointException)) {
            return false;
        }
        TokenEndpointException e = (TokenEndpointException) failure;
        if (e.getStatusCode().isPresent()) {
            int status = e.getStatusCode().getAsInt();
            return status == 429 || status == 503 || e.getError().filter("temporarily_unavailable"::equals).isPresent();
        }
        Throwable cause = e.getCause();
        return cause instanceof ConnectException || cause instanceof HttpConnectTimeoutException
            || cause instanceof UnknownHostException || cause instanceof NoRouteToHostException;
    }

    /**
     * @return {@code refresher} with each refresh retried by {@code retry}
     * @throws NullPointerException naming the parameter that is null
     */
    public static TokenRefresher withRetry(Retry retry, TokenRefresher refresher) {
        Objects.requireNonNull(retry, "retry must not be null");
        Objects.requireNonNull(refresher, "refresher must not be null");
        CheckedFunction<AccessToken, AccessToken> guarded = Retry.decorateCheckedFunction(retry, refresher::refresh);
        return current -> {
            try {
                return guarded.apply(current);
            } catch (Exception | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new UndeclaredThrowableException(t);
            }
        };
    }
}
