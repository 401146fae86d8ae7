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
     * Spring Security client registration only refresh-timeout (how long a call waits for a token request another
     * call started) and tags apply; refresh-ahead, failure-cooldown and max-refresh-attempts-per-call do not, as
     * Spring's manager decides when to refresh and each call after a failure makes its own token request.
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
         * How long before its expiry a token is refreshed in the background. Not applied to a Spring Security
         * client registration: Spring's manager decides when to refresh (60 s before expiry, its clock skew).
         */
        private Duration refreshAhead;

        /**
         * How long a refresh may take before its waiting calls fail. For a Spring Security client registration:
         * how long a call waits for a token request another call started (the imperative one that started it
         * waits for Spring's answer; a reactive one is cancelled after it).
         */
        private Duration refreshTimeout;

        /**
         * How long after a failed refresh calls fail at once instead of refreshing again. Not applied to a Spring
         * Security client registration (every call after a failed token request makes its own, as Spring does;
         * a failure of one principal's grant must not refuse the others); its health and endpoint entry still
         * show the cooldown.
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
