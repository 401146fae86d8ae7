package io.github.tokenrefresh4j.springboot.actuate;

import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.springboot.TokenRefreshAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
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
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
    static class HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "tokenrefreshHealthIndicator")
        @ConditionalOnEnabledHealthIndicator("tokenrefresh")
        TokenRefreshHealthIndicator tokenrefreshHealthIndicator(TokenRefreshRegistry tokenRefreshRegistry) {
            return new TokenRefreshHealthIndicator(tokenRefreshRegistry);
        }
    }
}
