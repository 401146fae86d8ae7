package io.github.tokenrefresh4j.springboot;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/** A bad value fails the application's startup, and the message names the property. */
class BadPropertiesFailStartupTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(TokenRefreshAutoConfiguration.class));

    @Test
    void aZeroRefreshTimeoutNamesItsProperty() {
        runner.withPropertyValues("tokenrefresh4j.instances.orders-api.refresh-timeout=0s")
            .run(context -> assertThat(context).hasFailed().getFailure().hasStackTraceContaining(
                "tokenrefresh4j.instances.orders-api.refresh-timeout=PT0S is invalid: refreshTimeout must be positive"));
    }

    @Test
    void aNegativeDefaultRefreshAheadNamesItsProperty() {
        runner.withPropertyValues("tokenrefresh4j.configs.default.refresh-ahead=-1s")
            .run(context -> assertThat(context).hasFailed().getFailure()
                .hasStackTraceContaining("tokenrefresh4j.configs.default.refresh-ahead=PT-1S is invalid"));
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
    void withoutSpringSecurityMicrometerOrActuatorTheRegistryStillComes() {
        runner.withConfiguration(AutoConfigurations.of(TokenRefreshMetricsAutoConfiguration.class))
            .withPropertyValues("tokenrefresh4j.metrics.enabled=false")
            .run(context -> assertThat(context).hasNotFailed()
                .hasSingleBean(io.github.tokenrefresh4j.TokenRefreshRegistry.class)
                .doesNotHaveBean(io.github.tokenrefresh4j.micrometer.TaggedTokenRefreshMetrics.class));
    }
}
