package io.github.tokenrefresh4j.springboot.actuate;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What the {@code tokenrefreshes} endpoint and the {@code tokenrefresh} health indicator show of one decorator.
 * Never a token value: only whether a usable token is held and when it expires.
 *
 * @param name                the decorator's name
 * @param usableToken         whether it holds a token that has not expired
 * @param expiresAt           when that token expires, null when unknown or no token is held
 * @param refreshInFlight     whether a refresh is in flight now
 * @param consecutiveFailures how many refreshes failed in a row
 * @param cooldownEnd         when the failure cooldown ends, null when none was started since the last success
 * @param tags                the decorator's tags
 * @param metrics             its counters
 * @param settings            its effective settings, so that one can see the configuration took effect
 */
public record TokenRefreshDescriptor(String name, boolean usableToken, Instant expiresAt, boolean refreshInFlight,
                                     int consecutiveFailures, Instant cooldownEnd, Map<String, String> tags,
                                     Metrics metrics, Settings settings) {

    /** @return the descriptor of {@code decorator} now, by the clock of its configuration */
    public static TokenRefreshDescriptor of(TokenRefreshDecorator decorator) {
        Instant now = decorator.getTokenRefreshConfig().getClock().instant();
        AccessToken token = decorator.currentToken();
        Instant expiresAt = token == null ? null : token.expiresAt().orElse(null);
        TokenRefreshDecorator.Metrics m = decorator.getMetrics();
        return new TokenRefreshDescriptor(decorator.getName(),
            token != null && (expiresAt == null || now.isBefore(expiresAt)), expiresAt, m.isRefreshInFlight(),
            m.getNumberOfConsecutiveFailures(), m.getCooldownEnd().orElse(null), decorator.getTags(),
            new Metrics(m.getNumberOfSuccessfulRefreshes(), m.getNumberOfFailedRefreshes(),
                m.getNumberOfWaitingCalls(), m.getNumberOfCoalescedCalls(), m.getNumberOfRejectedTokens()),
            Settings.of(decorator.getTokenRefreshConfig()));
    }

    /** @return whether, at {@code now}, it holds no usable token and may not refresh (failure cooldown) */
    public boolean isDown(Instant now) {
        return !usableToken && cooldownEnd != null && now.isBefore(cooldownEnd);
    }

    /**
     * The decorator's counters, as {@link TokenRefreshDecorator.Metrics} gives them.
     *
     * @param successfulRefreshes refreshes that obtained a token
     * @param failedRefreshes     refreshes that failed or timed out
     * @param waitingCalls        calls waiting for a refresh now
     * @param coalescedCalls      calls that waited for a refresh another call started
     * @param rejectedTokens      call outcomes that rejected the token
     */
    public record Metrics(long successfulRefreshes, long failedRefreshes, int waitingCalls, long coalescedCalls,
                          long rejectedTokens) {
    }

    /**
     * The decorator's effective settings, after base configs and customizers.
     *
     * @param refreshAhead              how long before expiry a token is refreshed in the background
     * @param refreshTimeout            how long a refresh may keep its waiting calls
     * @param failureCooldown           the cooldown after a first failed refresh
     * @param maxRefreshAttemptsPerCall how many refreshes one call may cause
     */
    public record Settings(Duration refreshAhead, Duration refreshTimeout, Duration failureCooldown,
                           int maxRefreshAttemptsPerCall) {

        /** @return the settings of {@code config} */
        public static Settings of(TokenRefreshConfig config) {
            return new Settings(config.getRefreshAhead(), config.getRefreshTimeout(),
                Duration.ofMillis(config.getFailureCooldown().apply(1)), config.getMaxRefreshAttemptsPerCall());
        }
    }
}
