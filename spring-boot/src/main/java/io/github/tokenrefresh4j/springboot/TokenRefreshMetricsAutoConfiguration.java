package io.github.tokenrefresh4j.springboot;

import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.micrometer.TaggedTokenRefreshMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * Binds the {@link TokenRefreshRegistry} to Micrometer with {@link TaggedTokenRefreshMetrics}, which follows
 * decorators as they are added (Spring Boot binds every {@code MeterBinder} bean to its {@code MeterRegistry}).
 * Off with {@code tokenrefresh4j.metrics.enabled=false}.
 */
@AutoConfiguration(after = TokenRefreshAutoConfiguration.class)
@ConditionalOnClass({MeterRegistry.class, TaggedTokenRefreshMetrics.class})
@ConditionalOnProperty(prefix = "tokenrefresh4j.metrics", name = "enabled", matchIfMissing = true)
public class TokenRefreshMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(TokenRefreshRegistry.class)
    public TaggedTokenRefreshMetrics taggedTokenRefreshMetrics(TokenRefreshRegistry tokenRefreshRegistry) {
        return TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(tokenRefreshRegistry);
    }
}
