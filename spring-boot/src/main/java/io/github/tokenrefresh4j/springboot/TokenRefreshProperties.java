package io.github.tokenrefresh4j.springboot;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code tokenrefresh4j.*} properties. A config named {@code default} is merged into every other config and
 * every instance (it is also the registry's default configuration); {@code base-config} picks another config to
 * start from.
 *
 * <pre>{@code
 * tokenrefresh4j:
 *   configs:
 *     default:
 *       refresh-ahead: 30s
 *       refresh-timeout: 10s
 *   instances:
 *     orders-api:
 *       base-config: default
 *       refresh-timeout: 5s
 *       tags:
 *         team: orders
 *   spring-security:
 *     enabled: true
 * }</pre>
 */
@ConfigurationProperties(prefix = TokenRefreshProperties.PREFIX)
public class TokenRefreshProperties {

    /** The prefix of every property here. */
    public static final String PREFIX = "tokenrefresh4j";

    /** The name of the config merged into every other config and instance. */
    public static final String DEFAULT_CONFIG = "default";

    /** Named configurations, shared by instances through base-config; "default" applies to all. */
    private final Map<String, InstanceProperties> configs = new LinkedHashMap<>();

    /**
     * Settings per decorator, by decorator name (for Spring Security: the client registration id). For a
     * Spring Security client registration: refresh-timeout bounds a call's wait for a token request another call
     * started; failure-cooldown refuses the calls of one principal (or session) after its token request failed;
     * refresh-ahead is the clock skew of the starter's own managers' providers; tags apply;
     * max-refresh-attempts-per-call does not (Spring does not retry a rejected call).
     */
    private final Map<String, InstanceProperties> instances = new LinkedHashMap<>();

    private final SpringSecurity springSecurity = new SpringSecurity();

    private final Metrics metrics = new Metrics();

    public Map<String, InstanceProperties> getConfigs() {
        return configs;
    }

    public Map<String, InstanceProperties> getInstances() {
        return instances;
    }

    public SpringSecurity getSpringSecurity() {
        return springSecurity;
    }

    public Metrics getMetrics() {
        return metrics;
    }

    /** The settings of one config or instance; what is not set comes from its base config. */
    public static class InstanceProperties {

        /** The config to start from; without it, the "default" config. */
        private String baseConfig;

        /**
         * How long before its expiry a token is refreshed in the background. For a Spring Security client
         * registration: the clockSkew of the client_credentials and refresh_token providers the starter builds for
         * its own managers (Spring refreshes a token with less than this left, at most half its lifetime before its
         * expiry); a provider or manager the application defines keeps its own (Spring's default 60 s).
         */
        private Duration refreshAhead;

        /**
         * How long a refresh may take before its waiting calls fail. For a Spring Security client registration:
         * how long a call waits for a token request another call started (the imperative one that started it
         * waits for Spring's answer; a reactive one is cancelled after it).
         */
        private Duration refreshTimeout;

        /**
         * How long after a failed refresh calls fail at once instead of refreshing again. For a Spring Security
         * client registration: per principal (or session), after a failed token request (5xx, I/O error, timeout,
         * invalid_client...; not invalid_grant nor invalid_token, after which Spring removes the authorized client),
         * that principal's calls fail at once with the same kind of exception, without a token request; other
         * principals are not refused.
         */
        private Duration failureCooldown;

        /**
         * How many refreshes one call may cause after its token was rejected. Not applied to a Spring Security
         * client registration: Spring's interceptor and filter functions do not retry a rejected call.
         */
        private Integer maxRefreshAttemptsPerCall;

        /** Tags added to the decorator's meters. */
        private final Map<String, String> tags = new LinkedHashMap<>();

        public String getBaseConfig() {
            return baseConfig;
        }

        public void setBaseConfig(String baseConfig) {
            this.baseConfig = baseConfig;
        }

        public Duration getRefreshAhead() {
            return refreshAhead;
        }

        public void setRefreshAhead(Duration refreshAhead) {
            this.refreshAhead = refreshAhead;
        }

        public Duration getRefreshTimeout() {
            return refreshTimeout;
        }

        public void setRefreshTimeout(Duration refreshTimeout) {
            this.refreshTimeout = refreshTimeout;
        }

        public Duration getFailureCooldown() {
            return failureCooldown;
        }

        public void setFailureCooldown(Duration failureCooldown) {
            this.failureCooldown = failureCooldown;
        }

        public Integer getMaxRefreshAttemptsPerCall() {
            return maxRefreshAttemptsPerCall;
        }

        public void setMaxRefreshAttemptsPerCall(Integer maxRefreshAttemptsPerCall) {
            this.maxRefreshAttemptsPerCall = maxRefreshAttemptsPerCall;
        }

        public Map<String, String> getTags() {
            return tags;
        }
    }

    /** Spring Security's OAuth2 client integration. */
    public static class SpringSecurity {

        /**
         * Whether to wrap Spring Security's authorized-client managers so that concurrent calls Spring would
         * answer with the same authorized client share one token request. When false, Spring's own beans are left
         * as they are, including the DefaultOAuth2AuthorizedClientManager Spring Security registers when the
         * application defines none, which needs a web request (the starter's manager works outside one).
         */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** Micrometer metrics. */
    public static class Metrics {

        /** Whether to bind the registry's decorators to the MeterRegistry. */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }
}
