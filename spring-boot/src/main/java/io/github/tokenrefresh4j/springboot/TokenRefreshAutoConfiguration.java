package io.github.tokenrefresh4j.springboot;

import io.github.tokenrefresh4j.TokenRefreshRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Defines the {@link TokenRefreshRegistry} bean from {@link TokenRefreshProperties} and the
 * {@link TokenRefreshConfigCustomizer} beans, unless the application defines its own. Then
 * {@code registry.tokenRefresh("orders-api", refresher)} gets the settings of
 * {@code tokenrefresh4j.instances.orders-api}.
 */
@AutoConfiguration
@ConditionalOnClass(TokenRefreshRegistry.class)
@EnableConfigurationProperties(TokenRefreshProperties.class)
public class TokenRefreshAutoConfiguration {

    /**
     * The registry; every config and instance is built here, so a bad value fails startup naming its property.
     */
    @Bean
    @ConditionalOnMissingBean
    public TokenRefreshRegistry tokenRefreshRegistry(TokenRefreshProperties properties,
                                                     ObjectProvider<TokenRefreshConfigCustomizer> customizers,
                                                     ObjectProvider<DecoratorCreation> decoratorCreation) {
        return ConfiguredTokenRefreshRegistry.of(properties, customizers.orderedStream().toList(),
            decoratorCreation.getIfAvailable(() -> DecoratorCreation.PLAIN));
    }
}
