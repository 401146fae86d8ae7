package io.github.tokenrefresh4j;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The read-only view of a decorator's refresh state that monitoring (the Boot actuator endpoint) shows. */
class MonitoringViewTest {

    @Test
    void metricsShowTheRefreshInFlightTheConsecutiveFailuresAndTheCooldownEnd() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        CountDownLatch refreshStarted = new CountDownLatch(1);
        CountDownLatch releaseRefresh = new CountDownLatch(1);
        AtomicBoolean fail = new AtomicBoolean(true);
        TokenRefreshDecorator decorator = TokenRefreshDecorator.of("view", TokenRefreshConfig.custom()
            .clock(clock).failureCooldown(Duration.ofSeconds(5)).build(), current -> {
                refreshStarted.countDown();
                releaseRefresh.await(10, TimeUnit.SECONDS);
                if (fail.get()) {
                    throw new IllegalStateException("token endpoint down");
                }
                return AccessToken.of("t", clock.instant().plusSeconds(60));
            });
        TokenRefreshDecorator.Metrics metrics = decorator.getMetrics();
        assertThat(metrics.isRefreshInFlight()).isFalse();

        CompletableFuture<String> call = CompletableFuture.supplyAsync(
            () -> decorator.executeFunction(AccessToken::value));
        assertThat(refreshStarted.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(metrics.isRefreshInFlight()).isTrue();
        releaseRefresh.countDown();
        assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(TokenRefreshException.class);

        assertThat(metrics.isRefreshInFlight()).isFalse();
        assertThat(metrics.getNumberOfConsecutiveFailures()).isEqualTo(1);
        assertThat(metrics.getCooldownEnd()).contains(clock.instant().plusSeconds(5));

        clock.advance(Duration.ofSeconds(5));
        fail.set(false);
        assertThat(decorator.executeFunction(AccessToken::value)).isEqualTo("t");
        assertThat(metrics.getNumberOfConsecutiveFailures()).isZero();
        assertThat(metrics.getCooldownEnd()).isEmpty();
    }

    @Test
    void registryCreatesADecoratorWithAConfigAndTags() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.of(TokenRefreshConfig.ofDefaults(), Map.of("app", "a"));
        TokenRefreshConfig config = TokenRefreshConfig.custom().refreshTimeout(Duration.ofSeconds(3)).build();
        TokenRefreshDecorator decorator = registry.tokenRefresh("orders", config, current -> AccessToken.of("t"),
            Map.of("team", "orders"));
        assertThat(decorator.getTokenRefreshConfig()).isSameAs(config);
        assertThat(decorator.getTags()).containsEntry("app", "a").containsEntry("team", "orders");
        assertThat(registry.tokenRefresh("orders", current -> AccessToken.of("u"))).isSameAs(decorator);
    }
}
