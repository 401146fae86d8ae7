package io.github.tokenrefresh4j.micrometer;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Fault injection: a meter registry that throws on registration. What the caller sees: {@code bindTo} itself may
 * surface the backend's exception, but a decorator created afterwards is created and registered (the registry logs
 * and skips the failing binder), and every decorator keeps refreshing and calling; nothing hangs.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ThrowingMeterRegistryTest {

    /** A registry whose every gauge and counter registration fails, as a misconfigured backend might. */
    private static final class ThrowingMeterRegistry extends SimpleMeterRegistry {
        @Override
        protected <T> Gauge newGauge(Meter.Id id, T obj, ToDoubleFunction<T> valueFunction) {
            throw new IllegalStateException("meter backend unavailable");
        }

        @Override
        protected <T> FunctionCounter newFunctionCounter(Meter.Id id, T obj, ToDoubleFunction<T> countFunction) {
            throw new IllegalStateException("meter backend unavailable");
        }
    }

    @Test
    void meterRegistryThrowingOnRegistrationLeavesDecoratorsCreatableAndWorking() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.of(TokenRefreshConfig.ofDefaults());
        TokenRefreshDecorator existing = registry.tokenRefresh("existing", current -> AccessToken.of("e1"));

        Throwable bindFailure = catchThrowable(() ->
            TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(new ThrowingMeterRegistry()));
        Throwable createFailure = catchThrowable(() -> registry.tokenRefresh("added", current -> AccessToken.of("a1")));

        assertThat(existing.executeFunction(AccessToken::value)).isEqualTo("e1");
        if (bindFailure != null) {
            assertThat(bindFailure).as("bindTo reports the backend's failure as it is")
                .hasMessageContaining("meter backend unavailable");
        }
        assertThat(createFailure).as("a decorator added after binding is still created").isNull();
        assertThat(registry.find("added")).as("and registered").isPresent();
        assertThat(registry.tokenRefresh("added", current -> AccessToken.of("a1")).executeFunction(AccessToken::value))
            .isEqualTo("a1");
    }
}
