package io.github.tokenrefresh4j.micrometer;

import static java.util.Objects.requireNonNull;

/**
 * The meter names of {@link TaggedTokenRefreshMetrics} and {@link TaggedTokenRefreshMetricsPublisher}, like
 * resilience4j-micrometer's {@code RetryMetricNames}. Every name has a default, so a custom instance renames only
 * what it sets.
 *
 * <pre>{@code
 * TokenRefreshMetricNames names = TokenRefreshMetricNames.custom()
 *     .refreshesMetricName("auth.token.refreshes")
 *     .build();
 * TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(names, registry).bindTo(meterRegistry);
 * }</pre>
 */
public final class TokenRefreshMetricNames {

    /** FunctionCounter of refreshes, tagged {@code kind=successful|failed}. */
    public static final String DEFAULT_REFRESHES = "tokenrefresh.refreshes";
    /**
     * Timer of refresher calls, tagged {@code kind=successful|failed} and {@code reason}
     * ({@link io.github.tokenrefresh4j.RefreshReason}).
     */
    public static final String DEFAULT_REFRESH_DURATION = "tokenrefresh.refresh.duration";
    /** Gauge of the calls waiting for a refresh now. */
    public static final String DEFAULT_WAITING_CALLS = "tokenrefresh.waiting.calls";
    /** FunctionCounter of the calls that waited for a refresh another call had started. */
    public static final String DEFAULT_COALESCED_CALLS = "tokenrefresh.coalesced.calls";
    /** FunctionCounter of the call outcomes that said the token was rejected. */
    public static final String DEFAULT_TOKEN_REJECTIONS = "tokenrefresh.token.rejections";
    /** Gauge, in seconds, of the time until the latest token expires, usable or not; NaN when unknown. */
    public static final String DEFAULT_TOKEN_REMAINING_LIFETIME = "tokenrefresh.token.remaining.lifetime";

    private static final TokenRefreshMetricNames DEFAULTS = custom().build();

    /** The default name of the gauge of consecutive failed refreshes. */
    public static final String DEFAULT_CONSECUTIVE_FAILURES = "tokenrefresh.consecutive.failures";
    /** The default name of the gauge of the failure cooldown's remaining time. */
    public static final String DEFAULT_COOLDOWN_REMAINING = "tokenrefresh.cooldown.remaining";

    private final String refreshesMetricName;
    private final String refreshDurationMetricName;
    private final String waitingCallsMetricName;
    private final String coalescedCallsMetricName;
    private final String tokenRejectionsMetricName;
    private final String tokenRemainingLifetimeMetricName;
    private final String consecutiveFailuresMetricName;
    private final String cooldownRemainingMetricName;

    private TokenRefreshMetricNames(Builder builder) {
        this.refreshesMetricName = builder.refreshesMetricName;
        this.refreshDurationMetricName = builder.refreshDurationMetricName;
        this.waitingCallsMetricName = builder.waitingCallsMetricName;
        this.coalescedCallsMetricName = builder.coalescedCallsMetricName;
        this.tokenRejectionsMetricName = builder.tokenRejectionsMetricName;
        this.tokenRemainingLifetimeMetricName = builder.tokenRemainingLifetimeMetricName;
        this.consecutiveFailuresMetricName = builder.consecutiveFailuresMetricName;
        this.cooldownRemainingMetricName = builder.cooldownRemainingMetricName;
    }

    /** @return the default names */
    public static TokenRefreshMetricNames ofDefaults() {
        return DEFAULTS;
    }

    /** @return a builder that starts from the default names */
    public static Builder custom() {
        return new Builder();
    }

    /** @return the name of the refresh counter, by default {@value #DEFAULT_REFRESHES} */
    public String getRefreshesMetricName() {
        return refreshesMetricName;
    }

    /** @return the name of the refresh timer, by default {@value #DEFAULT_REFRESH_DURATION} */
    public String getRefreshDurationMetricName() {
        return refreshDurationMetricName;
    }

    /** @return the name of the waiting-calls gauge, by default {@value #DEFAULT_WAITING_CALLS} */
    public String getWaitingCallsMetricName() {
        return waitingCallsMetricName;
    }

    /** @return the name of the coalesced-calls counter, by default {@value #DEFAULT_COALESCED_CALLS} */
    public String getCoalescedCallsMetricName() {
        return coalescedCallsMetricName;
    }

    /** @return the name of the rejected-token counter, by default {@value #DEFAULT_TOKEN_REJECTIONS} */
    public String getTokenRejectionsMetricName() {
        return tokenRejectionsMetricName;
    }

    /**
     * @return the name of the remaining-lifetime gauge, by default {@value #DEFAULT_TOKEN_REMAINING_LIFETIME}
     */
    public String getTokenRemainingLifetimeMetricName() {
        return tokenRemainingLifetimeMetricName;
    }

    /** @return the name of the consecutive-failures gauge, by default {@value #DEFAULT_CONSECUTIVE_FAILURES} */
    public String getConsecutiveFailuresMetricName() {
        return consecutiveFailuresMetricName;
    }

    /** @return the name of the cooldown gauge, by default {@value #DEFAULT_COOLDOWN_REMAINING} */
    public String getCooldownRemainingMetricName() {
        return cooldownRemainingMetricName;
    }

    /** Builds {@link TokenRefreshMetricNames}; each method throws {@link NullPointerException} for null. */
    public static final class Builder {

        private String refreshesMetricName = DEFAULT_REFRESHES;
        private String refreshDurationMetricName = DEFAULT_REFRESH_DURATION;
        private String waitingCallsMetricName = DEFAULT_WAITING_CALLS;
        private String coalescedCallsMetricName = DEFAULT_COALESCED_CALLS;
        private String tokenRejectionsMetricName = DEFAULT_TOKEN_REJECTIONS;
        private String tokenRemainingLifetimeMetricName = DEFAULT_TOKEN_REMAINING_LIFETIME;
        private String consecutiveFailuresMetricName = DEFAULT_CONSECUTIVE_FAILURES;
        private String cooldownRemainingMetricName = DEFAULT_COOLDOWN_REMAINING;

        private Builder() {
        }

        public Builder refreshesMetricName(String refreshesMetricName) {
            this.refreshesMetricName =
                requireNonNull(refreshesMetricName, "refreshesMetricName must not be null");
            return this;
        }

        public Builder refreshDurationMetricName(String refreshDurationMetricName) {
            this.refreshDurationMetricName =
                requireNonNull(refreshDurationMetricName, "refreshDurationMetricName must not be null");
            return this;
        }

        public Builder waitingCallsMetricName(String waitingCallsMetricName) {
            this.waitingCallsMetricName =
                requireNonNull(waitingCallsMetricName, "waitingCallsMetricName must not be null");
            return this;
        }

        public Builder coalescedCallsMetricName(String coalescedCallsMetricName) {
            this.coalescedCallsMetricName =
                requireNonNull(coalescedCallsMetricName, "coalescedCallsMetricName must not be null");
            return this;
        }

        public Builder tokenRejectionsMetricName(String tokenRejectionsMetricName) {
            this.tokenRejectionsMetricName =
                requireNonNull(tokenRejectionsMetricName, "tokenRejectionsMetricName must not be null");
            return this;
        }

        public Builder tokenRemainingLifetimeMetricName(String tokenRemainingLifetimeMetricName) {
            this.tokenRemainingLifetimeMetricName = requireNonNull(tokenRemainingLifetimeMetricName,
                "tokenRemainingLifetimeMetricName must not be null");
            return this;
        }

        public Builder consecutiveFailuresMetricName(String consecutiveFailuresMetricName) {
            this.consecutiveFailuresMetricName = requireNonNull(consecutiveFailuresMetricName,
                "consecutiveFailuresMetricName must not be null");
            return this;
        }

        public Builder cooldownRemainingMetricName(String cooldownRemainingMetricName) {
            this.cooldownRemainingMetricName = requireNonNull(cooldownRemainingMetricName,
                "cooldownRemainingMetricName must not be null");
            return this;
        }

        /** @return the names; later changes to this builder do not affect them */
        public TokenRefreshMetricNames build() {
            return new TokenRefreshMetricNames(this);
        }
    }
}
