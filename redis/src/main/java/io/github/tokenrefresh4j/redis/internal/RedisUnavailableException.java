package io.github.tokenrefresh4j.redis.internal;

/**
 * Redis could not be reached or did not answer before the deadline. Caught by the refresher's retry loops and turned
 * into a {@code RedisTokenRefreshException} that explains it; never thrown to users as is.
 */
public final class RedisUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, without secrets
     * @param cause   the Redis client's exception, or null
     */
    public RedisUnavailableException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
