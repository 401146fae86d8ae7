package io.github.tokenrefresh4j.redis.internal;

import io.lettuce.core.RedisCommandExecutionException;

import java.util.concurrent.TimeoutException;

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

    /**
     * Of two failures of one call, the one that says more: Redis's own refusal (a wrong password: {@code WRONGPASS},
     * {@code NOAUTH}, {@code NOPERM}, or a failover's {@code READONLY}, {@code LOADING}...) beats a connection that
     * failed or closed, which beats a reply cut off by the deadline. Of two alike, the later one.
     *
     * @param kept the failure kept so far, or null
     * @param next the failure just seen
     * @return the one to report
     */
    public static RedisUnavailableException moreTelling(RedisUnavailableException kept,
                                                        RedisUnavailableException next) {
        return kept == null || rank(next) >= rank(kept) ? next : kept;
    }

    private static int rank(RedisUnavailableException failure) {
        for (Throwable c = failure.getCause(); c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof RedisCommandExecutionException) {
                return 2;
            }
        }
        return failure.getCause() instanceof TimeoutException ? 0 : 1;
    }
}
