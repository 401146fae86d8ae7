package io.github.tokenrefresh4j.oauth2;

import io.github.tokenrefresh4j.RetryAfterHint;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A token request failed: the token endpoint answered with an error or with something that is no token response,
 * or no answer came (a timeout or another I/O error, then the {@linkplain #getCause() cause}).
 *
 * <pre>{@code
 * try {
 *     AccessToken token = refresher.refresh(null);
 * } catch (TokenEndpointException e) {
 *     if (e.isTransient()) {
 *         retryLater(e.getRetryAfter().orElse(Duration.ofSeconds(1)));
 *     } else if (e.getError().filter("invalid_grant"::equals).isPresent()) {
 *         signInAgain();
 *     }
 * }
 * }</pre>
 *
 * <p>The message names the endpoint by scheme, host and path only, the HTTP status and the OAuth 2.0 error code,
 * then the server's {@code error_description} on one line, with every secret the request carried (client secret,
 * assertion, refresh token, the {@code Authorization} header) replaced by {@code ***}. {@link #getError()} and
 * {@link #getErrorDescription()} are redacted the same way.
 */
public final class TokenEndpointException extends Exception implements RetryAfterHint {

    private static final long serialVersionUID = 1L;

    private final String error;
    private final String errorDescription;
    private final int statusCode;
    private final Duration retryAfter;
    private final boolean transientFailure;
    private final Duration retryAfterHint;

    TokenEndpointException(String message, String error, String errorDescription, int statusCode,
                           Duration retryAfter, boolean transientFailure, Throwable cause) {
        this(message, error, errorDescription, statusCode, retryAfter, transientFailure, cause, retryAfter);
    }

    TokenEndpointException(String message, String error, String errorDescription, int statusCode,
                           Duration retryAfter, boolean transientFailure, Throwable cause, Duration retryAfterHint) {
        super(message, cause);
        this.retryAfterHint = retryAfterHint;
        this.error = error;
        this.errorDescription = errorDescription;
        this.statusCode = statusCode;
        this.retryAfter = retryAfter;
        this.transientFailure = transientFailure;
    }

    /** @return the OAuth 2.0 {@code error} code of the answer, for example {@code invalid_client}, if it had one */
    public Optional<String> getError() {
        return Optional.ofNullable(error);
    }

    /** @return the answer's {@code error_description}, with the request's secrets replaced by {@code ***} */
    public Optional<String> getErrorDescription() {
        return Optional.ofNullable(errorDescription);
    }

    /** @return the HTTP status of the answer; empty when no answer came */
    public OptionalInt getStatusCode() {
        return statusCode < 0 ? OptionalInt.empty() : OptionalInt.of(statusCode);
    }

    /**
     * @return how long the endpoint asked to wait, from {@code Retry-After} on a 429 or 503: zero for a date in the
     *         past; empty when absent, unreadable or longer than a {@code Duration} holds in nanoseconds
     */
    public Optional<Duration> getRetryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /**
     * When the decorator may ask again, at the earliest (see {@link RetryAfterHint}): the {@code Retry-After} of a
     * {@code 429} or {@code 503}, at most one hour (a longer one would stop every refresh that long); after a refusal that asking again soon cannot change ({@code invalid_grant},
     * {@code invalid_client}, {@code unauthorized_client}, {@code unsupported_grant_type}, or a {@code 401}), the
     * refresher's {@linkplain OAuth2TokenRefresher.Builder#refusalCooldown(Duration) refusal cooldown}; else empty,
     * and the decorator's {@code failureCooldown} applies.
     *
     * @return the shortest wait before the next token request
     */
    @Override
    public Optional<Duration> getRetryAfterHint() {
        return Optional.ofNullable(retryAfterHint);
    }

    /**
     * Whether asking again later may succeed: true for a 5xx or 429 answer, the {@code temporarily_unavailable}
     * error, a timeout or another I/O error; false for a refused request (such as {@code invalid_client} or
     * {@code invalid_grant}) and for an answer that is no token response.
     *
     * <p>True does not mean that nothing was issued: after a read timeout the server may have rotated the refresh
     * token it was sent. Retry a refresh-token grant only when the answer says nothing was issued.
     *
     * @return true if trying again later may succeed
     */
    public boolean isTransient() {
        return transientFailure;
    }
}
