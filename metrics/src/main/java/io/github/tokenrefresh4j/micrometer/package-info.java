/**
 * Micrometer metrics for {@link io.github.tokenrefresh4j.TokenRefreshDecorator}s, following resilience4j-micrometer.
 *
 * <pre>{@code
 * TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(tokenRefreshRegistry).bindTo(meterRegistry);
 * }</pre>
 *
 * <p>{@link io.github.tokenrefresh4j.micrometer.TaggedTokenRefreshMetrics} binds a whole registry and follows it;
 * {@link io.github.tokenrefresh4j.micrometer.TaggedTokenRefreshMetricsPublisher} is the same meters as a
 * registry's event consumer; {@link io.github.tokenrefresh4j.micrometer.TokenRefreshMetricNames} renames them.
 * {@link io.github.tokenrefresh4j.micrometer.TokenRefreshObservations} makes refreshes and waits Micrometer
 * {@code Observation}s, which micrometer-tracing turns into spans.
 */
package io.github.tokenrefresh4j.micrometer;
