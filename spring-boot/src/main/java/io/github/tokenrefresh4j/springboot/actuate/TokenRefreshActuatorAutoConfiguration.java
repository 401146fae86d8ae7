package io.github.tokenrefresh4j.springboot.actuate;

import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.springboot.TokenRefreshAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The actuator's {@code tokenrefreshes} endpoint and {@code tokenrefresh} health indicator, each defined only
 * when its part of the actuator is on the classpath.
 */
@AutoConfiguration(after = TokenRefreshAutoConfiguration.class)
@ConditionalOnBean(TokenRefreshRegistry.class)
public class TokenRefreshActuatorAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
    static class EndpointConfiguration {

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnAvailableEndpoint
        TokenRefreshEndpoint tokenRefreshEndpoint(TokenRefreshRegistry tokenRefreshRegistry) {
            return new TokenRefreshEndpoint(tokenRefreshRegistry);
        }

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnAvailableEndpoint
        TokenRefreshEventsEndpoint tokenRefreshEventsEndpoint(TokenRefreshRegistry tokenRefreshRegistry) {
            return new TokenRefreshEventsEndpoint(tokenRefreshRegistry);
        }
    }

    /**
     * Opt-in, as resilience4j's indicators are: one failing token endpoint must not turn the application's overall
     * health DOWN (HTTP 503) unless asked to with {@code management.health.tokenrefresh.enabled=true}. Boot's
     * liveness and readiness groups never include it unless the application adds it to them.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
    @ConditionalOnProperty(prefix = "management.health.tokenrefresh", name = "enabled", havingValue = "true")
    static class HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "tokenrefreshHealthIndicator")
        @ConditionalOnEnabledHealthIndicator("tokenrefresh")
        TokenRefreshHealthIndicator tokenrefreshHealthIndicator(TokenRefreshRegistry tokenRefreshRegistry) {
            return new TokenRefreshHealthIndicator(tokenRefreshRegistry);
        }
    }
}
