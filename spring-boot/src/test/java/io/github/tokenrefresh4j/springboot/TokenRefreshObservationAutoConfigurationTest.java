package io.github.tokenrefresh4j.springboot;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.micrometer.TokenRefreshObservations;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The starter observes its decorators when the application has an ObservationRegistry, and only then. */
class TokenRefreshObservationAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(TokenRefreshAutoConfiguration.class,
            TokenRefreshObservationAutoConfiguration.class));

    private static AccessToken token(AccessToken current) {
        return AccessToken.of("secret-token", Instant.now().plusSeconds(3600));
    }

    @Test
    void withAnObservationRegistryEveryDecoratorOfTheRegistryIsObserved() {
        TestObservationRegistry observations = TestObservationRegistry.create();
        runner.withBean(ObservationRegistry.class, () -> observations)
            .withPropertyValues("tokenrefresh4j.instances.orders-api.refresh-timeout=5s")
            .run(context -> {
                TokenRefreshRegistry registry = context.getBean(TokenRefreshRegistry.class);
                TokenRefreshDecorator configured = registry.tokenRefresh("orders-api",
                    TokenRefreshObservationAutoConfigurationTest::token);
                TokenRefreshDecorator other = registry.tokenRefresh("billing-api",
                    TokenRefreshObservationAutoConfigurationTest::token);
                configured.executeFunction(AccessToken::value);
                other.executeFunction(AccessToken::value);

                assertThat(configured.getTokenRefreshConfig().getRefreshTimeout()).hasSeconds(5);
                TestObservationRegistryAssert.assertThat(observations)
                    .hasNumberOfObservationsWithNameEqualTo(TokenRefreshObservations.REFRESH_OBSERVATION, 2)
                    .hasAnObservationWithAKeyValue("name", "orders-api")
                    .hasAnObservationWithAKeyValue("name", "billing-api");
            });
    }

    @Test
    void withoutAnObservationRegistryDecoratorsAreBuiltAsTheyAre() {
        runner.run(context -> {
            TokenRefreshRegistry registry = context.getBean(TokenRefreshRegistry.class);
            TokenRefreshDecorator tokens = registry.tokenRefresh("orders-api",
                TokenRefreshObservationAutoConfigurationTest::token);
            assertThat(tokens.getTokenRefreshConfig()).isSameAs(registry.getDefaultConfig());
        });
    }

    @Test
    void withoutTheMicrometerModuleTheStarterStillStarts() {
        runner.withClassLoader(new FilteredClassLoader(TokenRefreshObservations.class))
            .withBean(ObservationRegistry.class, TestObservationRegistry::create)
            .run(context -> assertThat(context).hasNotFailed()
                .doesNotHaveBean(TokenRefreshObservationAutoConfiguration.class)
                .hasSingleBean(TokenRefreshRegistry.class));
    }

    @Test
    void observationsCanBeTurnedOff() {
        TestObservationRegistry observations = TestObservationRegistry.create();
        runner.withBean(ObservationRegistry.class, () -> observations)
            .withPropertyValues("tokenrefresh4j.observations.enabled=false")
            .run(context -> {
                context.getBean(TokenRefreshRegistry.class)
                    .tokenRefresh("orders-api", TokenRefreshObservationAutoConfigurationTest::token)
                    .executeFunction(AccessToken::value);
                TestObservationRegistryAssert.assertThat(observations).doesNotHaveAnyObservation();
            });
    }
}
