package io.github.tokenrefresh4j.micrometer;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.MutableClock;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class PrometheusScrapeTest {

    private static final String SECRET = "s3cr3t-token-value";

    @Test
    void scrapeShowsEverySeriesAndNoTokenValue() {
        MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TokenRefreshRegistry registry = TokenRefreshRegistry.of(TokenRefreshConfig.custom()
            .clock(clock)
            .refreshOnResult("401"::equals)
            .refreshExecutor(Runnable::run) // a refresh counts after releasing its call: on the call's thread
            .build());
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(prometheus);
        AtomicInteger issued = new AtomicInteger();
        TokenRefreshDecorator orders = registry.tokenRefresh("orders-api", current -> AccessToken.of(
            SECRET + issued.incrementAndGet(), clock.instant().plusSeconds(3600)).withRefreshToken(SECRET));
        // The first token is rejected once: two refreshes, one rejection.
        orders.executeFunction(token -> token.value().endsWith("1") ? "401" : "ok");

        String scrape = prometheus.scrape();

        assertThat(scrape).contains(
            "tokenrefresh_refreshes_total{kind=\"successful\",name=\"orders-api\"} 2.0",
            "tokenrefresh_refreshes_total{kind=\"failed\",name=\"orders-api\"} 0.0",
            "tokenrefresh_refresh_duration_seconds_count{kind=\"successful\",name=\"orders-api\",reason=\"initial\"} 1",
            "tokenrefresh_refresh_duration_seconds_count{kind=\"successful\",name=\"orders-api\",reason=\"rejected\"} 1",
            "tokenrefresh_refresh_duration_seconds_sum{kind=\"successful\",name=\"orders-api\",reason=\"initial\"} ",
            "tokenrefresh_refresh_duration_seconds_max{kind=\"successful\",name=\"orders-api\",reason=\"initial\"} ",
            "tokenrefresh_refresh_duration_seconds_count{kind=\"failed\",name=\"orders-api\",reason=\"initial\"} 0",
            "tokenrefresh_waiting_calls{name=\"orders-api\"} 0.0",
            "tokenrefresh_coalesced_calls_total{name=\"orders-api\"} 0.0",
            "tokenrefresh_token_rejections_total{name=\"orders-api\"} 1.0",
            "tokenrefresh_token_remaining_lifetime_seconds{name=\"orders-api\"} 3600.0");
        assertThat(scrape).doesNotContain(SECRET);
    }
}
