package io.github.tokenrefresh4j.examples;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.core.functions.CheckedFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefresher;
import io.github.tokenrefresh4j.examples.TokenEndpointClient.TokenEndpointException;

import java.io.IOException;
import java.lang.reflect.UndeclaredThrowableException;
import java.time.Duration;
import java.util.Objects;

/**
 * Recipe: a refresher guarded by its own Resilience4j {@link Retry}, because the token endpoint fails now and then
 * too. The decorator still runs one refresh at a time, so the retry multiplies nothing: a storm of expired calls
 * still makes one token request, plus its retries.
 *
 * <pre>{@code
 * TokenRefresher refresher = GuardedRefresher.withRetry(
 *     Retry.of("token-endpoint", GuardedRefresher.TRANSIENT_FAILURES),
 *     current -> endpoint.clientCredentials("orders"));
 * TokenRefreshDecorator tokens = TokenRefreshDecorator.of("orders-api", config, refresher);
 * }</pre>
 *
 * <p>Keep every attempt and wait inside the decorator's {@code refreshTimeout}; past it the waiting calls are
 * released with a {@code TokenRefreshException}, and a late token from the refresher is discarded.
 */
public final class GuardedRefresher {

    /**
     * Three attempts, 100 ms then 200 ms apart, on an I/O failure or a 5xx from the token endpoint. A 4xx such as
     * {@code invalid_client} fails at once: asking again gets the same answer.
     */
    public static final RetryConfig TRANSIENT_FAILURES = RetryConfig.custom()
        .maxAttempts(3)
        .intervalFunction(IntervalFunction.ofExponentialBackoff(Duration.ofMillis(100), 2))
        .retryOnException(e -> e instanceof TokenEndpointException
            ? ((TokenEndpointException) e).isTransient()
            : e instanceof IOException)
        .build();

    private GuardedRefresher() {
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
