package io.github.tokenrefresh4j.springboot;

import io.github.tokenrefresh4j.micrometer.TokenRefreshObservations;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * Observes every decorator the starter's registry creates with {@link TokenRefreshObservations}, when the
 * application has an {@link ObservationRegistry} bean: with micrometer-tracing and a bridge (OpenTelemetry or
 * Brave), each refresh is a {@code tokenrefresh.refresh} span under the request that triggered it, and each call
 * that waited for it a {@code tokenrefresh.wait} span. Off with {@code tokenrefresh4j.observations.enabled=false};
 * without an {@code ObservationRegistry} bean decorators are built as they are.
 *
 * <pre>{@code
 * # application.yml: nothing to add for traces; to turn them off
 * tokenrefresh4j:
 *   observations:
 *     enabled: false
 * }</pre>
 */
@AutoConfiguration(before = TokenRefreshAutoConfiguration.class)
@ConditionalOnClass({ObservationRegistry.class, TokenRefreshObservations.class})
@ConditionalOnProperty(prefix = "tokenrefresh4j.observations", name = "enabled", matchIfMissing = true)
public class TokenRefreshObservationAutoConfiguration {

    /**
     * The registry asks for the {@code ObservationRegistry} when it creates a decorator, not at startup: Spring
     * Security's decorators are created at the first call, when every bean exists.
     */
    @Bean
    DecoratorCreation tokenRefreshObservedDecoratorCreation(ObjectProvider<ObservationRegistry> observationRegistry) {
        return (name, config, refresher, create) -> {
            ObservationRegistry registry = observationRegistry.getIfAvailable();
            return registry == null ? create.apply(config, refresher)
                : TokenRefreshObservations.of(registry).observe(name, config, refresher, create::apply);
        };
    }
}
