package io.github.tokenrefresh4j;

import io.github.resilience4j.core.IntervalFunction;
import io.github.tokenrefresh4j.internal.RefreshExecutors;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The immutable configuration of a {@link TokenRefreshDecorator}.
 *
 * <pre>{@code
 * TokenRefreshConfig config = TokenRefreshConfig.custom()
 *     .refreshOnResult(r -> r instanceof HttpResponse<?> resp && resp.statusCode() == 401)
 *     .refreshAhead(Duration.ofSeconds(30))
 *     .refreshTimeout(Duration.ofSeconds(5))
 *     .failureCooldown(IntervalFunction.ofExponentialBackoff(Duration.ofSeconds(1), 2, Duration.ofMinutes(1)))
 *     .build();
 * }</pre>
 *
 * <p>Builder methods check their argument at once and throw {@link IllegalArgumentException} or
 * {@link NullPointerException} naming the parameter.
 */
public final class TokenRefreshConfig {

    /** By default, no exception says that the token was rejected. */
    public static final Predicate<Throwable> DEFAULT_REFRESH_ON_EXCEPTION = throwable -> false;
    /** By default, no result says that the token was rejected. */
    public static final Predicate<Object> DEFAULT_REFRESH_ON_RESULT = result -> false;
    /**
     * A rejected result that is discarded before the retry is closed if it is {@link AutoCloseable} (an OkHttp
     * {@code Response}, for example), so that its connection is not leaked. An exception from {@code close()} is
     * logged and ignored.
     */
    public static final Consumer<Object> DEFAULT_CONSUME_RESULT_BEFORE_RETRY_ATTEMPT =
        TokenRefreshConfig::closeQuietly;
    /** A token is refreshed in the background 30 seconds before it expires (at most half its lifetime ahead). */
    public static final Duration DEFAULT_REFRESH_AHEAD = Duration.ofSeconds(30);
    /** Calls waiting for a refresh are released after 10 seconds. */
    public static final Duration DEFAULT_REFRESH_TIMEOUT = Duration.ofSeconds(10);
    /** After a failed refresh, calls that need a new token fail fast for 1 second. */
    public static final Duration DEFAULT_FAILURE_COOLDOWN = Duration.ofSeconds(1);
    /** A call refreshes and retries at most once after its token was rejected. */
    public static final int DEFAULT_MAX_REFRESH_ATTEMPTS_PER_CALL = 1;

    /** The longest duration an option takes: what fits in a {@code long} of nanoseconds, about 292 years. */
    private static final Duration MAX_DURATION = Duration.ofNanos(Long.MAX_VALUE);

    private final Predicate<Throwable> refreshOnException;
    private final Predicate<Object> refreshOnResult;
    private final Consumer<Object> consumeResultBeforeRetryAttempt;
    private final Duration refreshAhead;
    private final Duration refreshTimeout;
    private final IntervalFunction failureCooldown;
    private final int maxRefreshAttemptsPerCall;
    private final Clock clock;
    private final Executor refreshExecutor;
    private final ScheduledExecutorService scheduler;

    private TokenRefreshConfig(Builder builder) {
        this.refreshOnException = builder.refreshOnException;
        this.refreshOnResult = builder.refreshOnResult;
        this.consumeResultBeforeRetryAttempt = builder.consumeResultBeforeRetryAttempt;
        this.refreshAhead = builder.refreshAhead;
        this.refreshTimeout = builder.refreshTimeout;
        this.failureCooldown = builder.failureCooldown;
        this.maxRefreshAttemptsPerCall = builder.maxRefreshAttemptsPerCall;
        this.clock = builder.clock;
        this.refreshExecutor = builder.refreshExecutor;
        this.scheduler = builder.scheduler;
    }

    /** @return a builder with the defaults */
    public static Builder custom() {
        return new Builder();
    }

    /** @return a builder that starts from {@code baseConfig} */
    public static Builder from(TokenRefreshConfig baseConfig) {
        return new Builder(Objects.requireNonNull(baseConfig, "baseConfig must not be null"));
    }

    /** @return the default configuration */
    public static TokenRefreshConfig ofDefaults() {
        return custom().build();
    }

    /** @return what a rejected token looks like as an exception (async causes are unwrapped first) */
    public Predicate<Throwable> getRefreshOnException() {
        return refreshOnException;
    }

    /** @return what a rejected token looks like as a result */
    public Predicate<Object> getRefreshOnResult() {
        return refreshOnResult;
    }

    /** @return what is done with a rejected result that is discarded because the call is retried */
    public Consumer<Object> getConsumeResultBeforeRetryAttempt() {
        return consumeResultBeforeRetryAttempt;
    }

    /** @return how long before its expiry a token is refreshed in the background */
    public Duration getRefreshAhead() {
        return refreshAhead;
    }

    /** @return how long calls wait for a refresh before they are released with a {@link TokenRefreshException} */
    public Duration getRefreshTimeout() {
        return refreshTimeout;
    }

    /**
     * @return the pause after a failed refresh, in milliseconds, as a function of the number of consecutive failed
     *     refreshes (1 for the first)
     */
    public IntervalFunction getFailureCooldown() {
        return failureCooldown;
    }

    /** @return how many refresh-and-retry rounds one call may make after its token was rejected */
    public int getMaxRefreshAttemptsPerCall() {
        return maxRefreshAttemptsPerCall;
    }

    /** @return the time source for expiry and cooldown */
    public Clock getClock() {
        return clock;
    }

    /** @return where the refresher runs */
    public Executor getRefreshExecutor() {
        return refreshExecutor;
    }

    /** @return what times refresh timeouts and the end of the clock-free fast path */
    public ScheduledExecutorService getScheduler() {
        return scheduler;
    }

    @Override
    public String toString() {
        return "TokenRefreshConfig{refreshAhead=" + refreshAhead
            + ", refreshTimeout=" + refreshTimeout
            + ", maxRefreshAttemptsPerCall=" + maxRefreshAttemptsPerCall
            + ", clock=" + clock + '}';
    }

    private static void closeQuietly(Object result) {
        if (result instanceof AutoCloseable) {
            try {
                ((AutoCloseable) result).close();
            } catch (Exception e) {
                Logger.getLogger(TokenRefreshConfig.class.getName()).log(Level.FINE,
                    "closing a rejected result before the retry failed", e);
            }
        }
    }

    /** Builds a {@link TokenRefreshConfig}. Not thread-safe. */
    public static final class Builder {

        private Predicate<Throwable> refreshOnException = DEFAULT_REFRESH_ON_EXCEPTION;
        private Predicate<Object> refreshOnResult = DEFAULT_REFRESH_ON_RESULT;
        private Consumer<Object> consumeResultBeforeRetryAttempt = DEFAULT_CONSUME_RESULT_BEFORE_RETRY_ATTEMPT;
        private Duration refreshAhead = DEFAULT_REFRESH_AHEAD;
        private Duration refreshTimeout = DEFAULT_REFRESH_TIMEOUT;
        private IntervalFunction failureCooldown = fixedCooldown(DEFAULT_FAILURE_COOLDOWN);
        private int maxRefreshAttemptsPerCall = DEFAULT_MAX_REFRESH_ATTEMPTS_PER_CALL;
        private Clock clock = Clock.systemUTC();
        private Executor refreshExecutor = RefreshExecutors.defaultExecutor();
        private ScheduledExecutorService scheduler = RefreshExecutors.defaultScheduler();

        private Builder() {
        }

        private Builder(TokenRefreshConfig base) {
            this.refreshOnException = base.refreshOnException;
            this.refreshOnResult = base.refreshOnResult;
            this.consumeResultBeforeRetryAttempt = base.consumeResultBeforeRetryAttempt;
            this.refreshAhead = base.refreshAhead;
            this.refreshTimeout = base.refreshTimeout;
            this.failureCooldown = base.failureCooldown;
            this.maxRefreshAttemptsPerCall = base.maxRefreshAttemptsPerCall;
            this.clock = base.clock;
            this.refreshExecutor = base.refreshExecutor;
            this.scheduler = base.scheduler;
        }

        /**
         * Which exceptions of the decorated call mean "the token was rejected", for example an exception that carries
         * HTTP status 401. For async calls the predicate sees the cause inside a {@code CompletionException} or
         * {@code ExecutionException}. Any other exception reaches the caller unchanged.
         */
        public Builder refreshOnException(Predicate<Throwable> refreshOnException) {
            this.refreshOnException = Objects.requireNonNull(refreshOnException,
                "refreshOnException must not be null");
            return this;
        }

        /**
         * Which results of the decorated call mean "the token was rejected", for example
         * {@code r -> r instanceof HttpResponse<?> resp && resp.statusCode() == 401}.
         */
        public Builder refreshOnResult(Predicate<Object> refreshOnResult) {
            this.refreshOnResult = Objects.requireNonNull(refreshOnResult, "refreshOnResult must not be null");
            return this;
        }

        /**
         * What to do with a rejected result that the decorator discards to retry with a new token, like Resilience4j
         * Retry's option of the same name. The default closes {@link AutoCloseable} results; set it to release
         * anything else a result holds, for example
         * {@code r -> ((HttpResponse<InputStream>) r).body().close()}. Not called for the result a call returns;
         * called too for the result of an async call whose caller cancelled its stage while the call ran.
         */
        public Builder consumeResultBeforeRetryAttempt(Consumer<Object> consumeResultBeforeRetryAttempt) {
            this.consumeResultBeforeRetryAttempt = Objects.requireNonNull(consumeResultBeforeRetryAttempt,
                "consumeResultBeforeRetryAttempt must not be null");
            return this;
        }

        /**
         * How long before a known expiry the token is refreshed in the background, while calls keep using it.
         * Capped at half the token's lifetime, so that a short-lived token is not refreshed as soon as it arrives.
         * Zero turns background refresh off: calls then wait for the refresh at expiry.
         */
        public Builder refreshAhead(Duration refreshAhead) {
            this.refreshAhead = requireNonNegative(refreshAhead, "refreshAhead");
            return this;
        }

        /**
         * How long calls wait for a refresh. After it they fail with a {@link TokenRefreshException}; the refresher
         * call is not interrupted (an interrupted request may already have rotated the refresh token on the server)
         * and no second one is started while it runs: a call that needs a token meanwhile waits for that same call
         * again, bounded by this timeout again. Its late token is installed if the token it refreshed is still the
         * current one. So give the refresher its own connect and read timeouts, shorter than this one.
         */
        public Builder refreshTimeout(Duration refreshTimeout) {
            requireNonNegative(refreshTimeout, "refreshTimeout");
            if (refreshTimeout.isZero()) {
                throw new IllegalArgumentException("refreshTimeout must be positive, was " + refreshTimeout);
            }
            this.refreshTimeout = refreshTimeout;
            return this;
        }

        /**
         * A fixed pause after a failed refresh, during which calls that need a new token fail fast without calling
         * the refresher. Zero means no pause.
         */
        public Builder failureCooldown(Duration failureCooldown) {
            this.failureCooldown = fixedCooldown(requireNonNegative(failureCooldown, "failureCooldown"));
            return this;
        }

        /**
         * A pause after a failed refresh that grows with consecutive failures, for example
         * {@code IntervalFunction.ofExponentialBackoff(Duration.ofSeconds(1), 2, Duration.ofMinutes(1))}. The
         * function gets the number of consecutive failures (1 for the first) and returns milliseconds.
         */
        public Builder failureCooldown(IntervalFunction failureCooldown) {
            this.failureCooldown = Objects.requireNonNull(failureCooldown, "failureCooldown must not be null");
            return this;
        }

        /**
         * How many refresh-and-retry rounds one call may make after its token was rejected. Every rejection counts,
         * including one that is retried with a token another call already obtained. When they are used up, the
         * call's own last outcome reaches the caller unchanged.
         */
        public Builder maxRefreshAttemptsPerCall(int maxRefreshAttemptsPerCall) {
            if (maxRefreshAttemptsPerCall < 1) {
                throw new IllegalArgumentException(
                    "maxRefreshAttemptsPerCall must be at least 1, was " + maxRefreshAttemptsPerCall);
            }
            this.maxRefreshAttemptsPerCall = maxRefreshAttemptsPerCall;
            return this;
        }

        /**
         * The time source for expiry and cooldown, for tests. With a system clock ({@link Clock#systemUTC()}, the
         * default, {@link Clock#systemDefaultZone()} or any {@link Clock#system(java.time.ZoneId)}), calls with a
         * token far from its expiry read no clock. With any other clock, calls read the clock whenever the token
         * has an expiry, so that moving a test clock takes effect at once.
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock must not be null");
            return this;
        }

        /**
         * Where the refresher runs. The default is a shared pool of daemon threads that are kept while in use. If the
         * executor rejects the task, the refresh fails like any other.
         */
        public Builder refreshExecutor(Executor refreshExecutor) {
            this.refreshExecutor = Objects.requireNonNull(refreshExecutor, "refreshExecutor must not be null");
            return this;
        }

        /**
         * What times refresh timeouts and the end of the clock-free fast path before a known expiry. Its tasks only
         * swap state or hand work to the library's pool, so one thread serves any number of decorators. The default
         * is a shared daemon thread that ends when idle; pass your own to control threads in a managed environment,
         * or a manual one in tests. If it rejects a timeout, the refresh fails at once rather than wait unbounded.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler must not be null");
            return this;
        }

        /** @return the configuration */
        public TokenRefreshConfig build() {
            return new TokenRefreshConfig(this);
        }

        /** Also refuses what cannot be counted in nanoseconds (about 292 years): timers could not hold it. */
        private static Duration requireNonNegative(Duration duration, String name) {
            Objects.requireNonNull(duration, name + " must not be null");
            if (duration.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative, was " + duration);
            }
            if (duration.compareTo(MAX_DURATION) > 0) {
                throw new IllegalArgumentException(name + " must be at most " + MAX_DURATION
                    + " (Long.MAX_VALUE nanoseconds), was " + duration);
            }
            return duration;
        }

        private static IntervalFunction fixedCooldown(Duration cooldown) {
            long millis = cooldown.toMillis();
            return attempt -> millis;
        }
    }
}
