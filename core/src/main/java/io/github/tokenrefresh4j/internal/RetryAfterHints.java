package io.github.tokenrefresh4j.internal;

import io.github.tokenrefresh4j.RetryAfterHint;

import java.time.Duration;
import java.util.Optional;

/** Reads the {@link RetryAfterHint} of a refresher's failure, for the failure cooldown. */
final class RetryAfterHints {

    /** Causes looked at, at most: a cause chain with a cycle must not loop. */
    private static final int MAX_DEPTH = 16;

    private RetryAfterHints() {
    }

    /**
     * @return the hint of the first {@link RetryAfterHint} in {@code failure}'s cause chain, in milliseconds
     *         (saturated), or 0 when none, empty, negative, or the hint itself throws (even an Error)
     */
    static long millis(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof RetryAfterHint) {
                try {
                    Optional<Duration> hint = ((RetryAfterHint) t).getRetryAfterHint();
                    if (hint == null || hint.isEmpty() || hint.get().isNegative()) {
                        return 0L;
                    }
                    return hint.get().compareTo(Duration.ofMillis(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE
                        : hint.get().toMillis();
                } catch (Throwable e) {
                    // Even an Error: thrown here it would escape the finish transition and lose the failure.
                    return 0L;
                }
            }
        }
        return 0L;
    }
}
