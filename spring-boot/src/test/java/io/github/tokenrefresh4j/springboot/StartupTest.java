package io.github.tokenrefresh4j.springboot;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.micrometer.TaggedTokenRefreshMetrics;
import io.github.tokenrefresh4j.springboot.actuate.TokenRefreshActuatorAutoConfiguration;
import io.github.tokenrefresh4j.springboot.security.TokenRefreshSecurityAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bad value fails the application's startup, and the message names the property; the starter works with its
 * optional dependencies absent.
 */
class StartupTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(TokenRefreshAutoConfiguration.class));

    @Test
    void aZeroRefreshTimeoutNamesItsProperty() {
        runner.withPropertyValues("tokenrefresh4j.instances.orders-api.refresh-timeout=0s")
            .run(context -> assertThat(context).hasFailed().getFailure()
                .hasStackTraceContaining("tokenrefresh4j.instances.orders-api.refresh-timeout=PT0S is invalid: "
                    + "refreshTimeout must be positive"));
    }

    @Test
    void aNegativeDefaultRefreshAheadNamesItsProperty() {
        runner.withPropertyValues("tokenrefresh4j.configs.default.refresh-ahead=-1s")
            .run(context -> assertThat(context).hasFailed().getFailure()
                .hasStackTraceContaining("tokenrefresh4j.configs.default.refresh-ahead=PT-1S is invalid"));
    }

    @Test
    void aBadValueIsExplainedInBootsFailureSummaryWithWhatToChange() throws Exception {
        runner.withPropertyValues("tokenrefresh4j.instances.orders-api.refresh-timeout=0s").run(context -> {
            FailureAnalysis analysis = new TokenRefreshPropertiesFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).startsWith(
                "tokenrefresh4j.instances.orders-api.refresh-timeout=PT0S is invalid");
            assertThat(analysis.getAction()).contains("Change tokenrefresh4j.instances.orders-api.refresh-timeout");
        });
        runner.withPropertyValues("tokenrefresh4j.instances.orders-api.base-config=nope").run(context -> {
            FailureAnalysis analysis = new TokenRefreshPropertiesFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getAction()).contains("tokenrefresh4j.instances.orders-api.base-config", "'default'");
        });
        // registered where Boot looks for failure analyzers
        boolean registered = false;
        for (java.net.URL url : java.util.Collections.list(
            getClass().getClassLoader().getResources(SpringFactoriesLoader.FACTORIES_RESOURCE_LOCATION))) {
            java.util.Properties factories = new java.util.Properties();
            try (java.io.InputStream in = url.openStream()) {
                factories.load(in);
            }
            registered |= factories.getProperty(FailureAnalyzer.class.getName(), "")
                .contains(TokenRefreshPropertiesFailureAnalyzer.class.getName());
        }
        assertThat(registered).isTrue();
    }

    @Test
    void anUnknownBaseConfigNamesItsProperty() {
        runner.withPropertyValues("tokenrefresh4j.instances.orders-api.base-config=nope")
            .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                .hasMessageContaining("tokenrefresh4j.instances.orders-api.base-config")
                .hasMessageContaining("'nope'"));
    }

    @Test
    void aBaseConfigLoopNamesItsProperty() {
        runner.withPropertyValues("tokenrefresh4j.configs.a.base-config=b", "tokenrefresh4j.configs.b.base-config=a")
            .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                .hasMessageContaining("base-config").hasMessageContaining("loops"));
    }

    @Test
    void aValueThatIsNoDurationNamesItsProperty() {
        runner.withPropertyValues("tokenrefresh4j.instances.orders-api.failure-cooldown=soon")
            .run(context -> assertThat(context).hasFailed().getFailure()
                .hasStackTraceContaining("tokenrefresh4j.instances.orders-api.failure-cooldown"));
    }

    @Test
    void withoutSpringSecurityMicrometerActuatorOrReactorTheRegistryStillComes() {
        new ApplicationContextRunner()
            .withClassLoader(new FilteredClassLoader("org.springframework.security.", "io.micrometer.",
                "org.springframework.boot.actuate.", "org.springframework.boot.health.", "reactor."))
            .withConfiguration(AutoConfigurations.of(TokenRefreshAutoConfiguration.class,
                TokenRefreshMetricsAutoConfiguration.class, TokenRefreshActuatorAutoConfiguration.class,
                TokenRefreshSecurityAutoConfiguration.class))
            .withPropertyValues("tokenrefresh4j.instances.orders-api.refresh-timeout=5s")
            .run(context -> {
                assertThat(context).hasNotFailed().hasSingleBean(TokenRefreshRegistry.class)
                    .doesNotHaveBean("taggedTokenRefreshMetrics")
                    .doesNotHaveBean("tokenRefreshEndpoint")
                    .doesNotHaveBean("tokenRefreshAuthorizedClientManagerPostProcessor");
                assertThat(context.getBean(TokenRefreshRegistry.class)
                    .tokenRefresh("orders-api", current -> AccessToken.of("t"))
                    .getTokenRefreshConfig().getRefreshTimeout()).isEqualTo(Duration.ofSeconds(5));
            });
    }

    @Test
    void metricsCanBeTurnedOff() {
        runner.withConfiguration(AutoConfigurations.of(TokenRefreshMetricsAutoConfiguration.class))
            .withPropertyValues("tokenrefresh4j.metrics.enabled=false")
            .run(context -> assertThat(context).hasNotFailed().hasSingleBean(TokenRefreshRegistry.class)
                .doesNotHaveBean(TaggedTokenRefreshMetrics.class));
    }
}
