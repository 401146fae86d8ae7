package io.github.tokenrefresh4j.micrometer;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TaggedTokenRefreshMetricsPublisherTest {

    private final MeterRegistry meterRegistry = new SimpleMeterRegistry();
    private final TokenRefreshRegistry registry = TokenRefreshRegistry.of(TokenRefreshConfig.ofDefaults(),
        new TaggedTokenRefreshMetricsPublisher(meterRegistry));

    @Test
    void decoratorsCreatedByTheRegistryArePublished() {
        registry.tokenRefresh("orders-api", current -> AccessToken.of("secret")).executeFunction(AccessToken::value);

        assertThat(meterRegistry.getMeters()).hasSize(18);
        await().untilAsserted(() -> { // counted and timed on the refresher's thread after it released the call
            assertThat(meterRegistry.get("tokenrefresh.refreshes").tag("name", "orders-api").tag("kind", "successful")
                .functionCounter().count()).isEqualTo(1.0);
            assertThat(meterRegistry.get("tokenrefresh.refresh.duration").tag("kind", "successful")
                .tag("reason", "initial").timer().count())
                .isEqualTo(1);
        });
    }

    @Test
    void removedDecoratorIsUnpublished() {
        registry.tokenRefresh("orders-api", current -> AccessToken.of("secret"));
        registry.tokenRefresh("billing-api", current -> AccessToken.of("secret"));

        registry.remove("orders-api");

        assertThat(meterRegistry.getMeters()).hasSize(18)
            .allSatisfy(meter -> assertThat(meter.getId().getTag("name")).isEqualTo("billing-api"));
    }

    @Test
    void replacedDecoratorIsMeasuredInsteadOfTheOldOne() {
        TokenRefreshDecorator old = registry.tokenRefresh("orders-api", current -> AccessToken.of("old"));
        old.executeFunction(AccessToken::value);
        TokenRefreshDecorator replacement = TokenRefreshDecorator.ofDefaults("orders-api",
            current -> AccessToken.of("new"));

        registry.replace("orders-api", replacement);
        old.invalidate();
        old.executeFunction(AccessToken::value);

        assertThat(meterRegistry.getMeters()).hasSize(18);
        assertThat(meterRegistry.get("tokenrefresh.refreshes").tag("kind", "successful").functionCounter().count())
            .isZero();
        assertThat(meterRegistry.get("tokenrefresh.refresh.duration").tag("kind", "successful")
            .tag("reason", "initial").timer().count())
            .isZero();
    }

    @Test
    void publishingTheSameDecoratorTwiceRegistersNothingTwice() {
        TaggedTokenRefreshMetricsPublisher publisher = new TaggedTokenRefreshMetricsPublisher(meterRegistry);
        TokenRefreshDecorator standalone = TokenRefreshDecorator.ofDefaults("standalone",
            current -> AccessToken.of("secret"));

        publisher.publishMetrics(standalone);
        publisher.publishMetrics(standalone);
        standalone.executeFunction(AccessToken::value);

        assertThat(meterRegistry.getMeters()).hasSize(18);
        await().untilAsserted(() -> assertThat(meterRegistry.get("tokenrefresh.refresh.duration")
            .tag("kind", "successful").tag("reason", "initial").timer().count())
            .isEqualTo(1));
    }

    @Test
    void nullArgumentsAreNamed() {
        assertThatThrownBy(() -> new TaggedTokenRefreshMetricsPublisher(null))
            .isInstanceOf(NullPointerException.class).hasMessage("meterRegistry must not be null");
        assertThatThrownBy(() -> new TaggedTokenRefreshMetricsPublisher(null, meterRegistry))
            .isInstanceOf(NullPointerException.class).hasMessage("names must not be null");
    }
}
