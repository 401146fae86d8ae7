package io.github.tokenrefresh4j.redis;

import io.github.tokenrefresh4j.TokenRefreshException;

/**
 * Thrown by {@link RedisTokenRefresher#refresh} when no token could be had within the
 * {@link RedisTokenRefresher.Builder#waitTimeout(java.time.Duration) waitTimeout}: Redis was unavailable, or another
 * instance held the refresh lock and stored no new token in time. The message says which, and what happens next; it
 * never contains a token value or a Redis password.
 *
 * <pre>{@code
 * try {
 *     return tokens.executeCheckedFunction(token -> api.call(token));
 * } catch (TokenRefreshException e) {
 *     // the decorator wraps the refresher's exception: e.getCause() is a RedisTokenRefreshException
 * }
 * }</pre>
 */
public class RedisTokenRefreshException extends TokenRefreshException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened, without any token value
     * @param cause   the Redis client's exception, or null
     */
    public RedisTokenRefreshException(String message, Throwable cause) {
        super(message, cause);
    }
}
