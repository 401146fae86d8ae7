package io.github.tokenrefresh4j.micrometer;

import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static java.util.Objects.requireNonNull;

/**
 * A Micrometer binder for every {@link TokenRefreshDecorator} of a {@link TokenRefreshRegistry}, like
 * resilience4j-micrometer's {@code TaggedRetryMetrics}.
 *
 * <pre>{@code
 * TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
 * TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);
 * registry.tokenRefresh("orders-api", refresher); // bound as it is created
 * }</pre>
 *
 * <p>Every meter carries the tag {@code name} (the instance name) and the instance's own tags:
 * <ul>
 *   <li>{@code tokenrefresh.refreshes} (FunctionCounter, {@code kind=successful|failed})</li>
 *   <li>{@code tokenrefresh.refresh.duration} (Timer of refresher calls, {@code kind=successful|failed})</li>
 *   <li>{@code tokenrefresh.waiting.calls} (Gauge of calls waiting for a refresh now)</li>
 *   <li>{@code tokenrefresh.coalesced.calls} (FunctionCounter of calls that waited for another call's
 *       refresh)</li>
 *   <li>{@code tokenrefresh.token.rejections} (FunctionCounter of outcomes that said the token was rejected)</li>
 *   <li>{@code tokenrefresh.token.remaining.lifetime} (Gauge in seconds until the latest token's expiry by the
 *       decorator's clock; negative once expired, NaN without a token or a known expiry)</li>
 * </ul>
 * No meter carries a token value. Counters and gauges read the decorator's {@code Metrics}; timers are fed by its
 * refresh events.
 *
 * <p>The binder follows the registry: an entry added later is bound, a removed entry's meters are removed, and a
 * replaced entry's meters are re-registered for the new decorator. Binding again to the same meter registry binds
 * what is missing and registers nothing twice; two binders on one meter registry share the meters and record each
 * refresh once.
 *
 * <p>Why not extend resilience4j-micrometer: its {@code AbstractMetrics} and {@code AbstractRetryMetrics} are
 * package-private, so another package cannot reuse them, and the dependency would add only the {@code TagNames}
 * constants plus runtime dependencies on five Resilience4j modules. The registry-following here is a few lines,
 * and it also closes gaps of the Resilience4j version: it subscribes before its initial sweep (an entry added in
 * between is not missed), and keeps meter ids per meter registry (binding one binder to two meter registries
 * works). The publisher variant reuses resilience4j-core's {@code MetricsPublisher}; see
 * {@link TaggedTokenRefreshMetricsPublisher}.
 */
public final class TaggedTokenRefreshMetrics extends AbstractTokenRefreshMetrics implements MeterBinder {

    private final TokenRefreshRegistry tokenRefreshRegistry;
    private final Set<MeterRegistry> followedBy = ConcurrentHashMap.newKeySet();

    private TaggedTokenRefreshMetrics(TokenRefreshMetricNames names, TokenRefreshRegistry tokenRefreshRegistry) {
        super(names);
        this.tokenRefreshRegistry = requireNonNull(tokenRefreshRegistry, "tokenRefreshRegistry must not be null");
    }

    /**
     * Creates a binder with the default meter names.
     *
     * @param tokenRefreshRegistry the decorators to bind, now and later
     * @return the binder
     * @throws NullPointerException if {@code tokenRefreshRegistry} is null
     */
    public static TaggedTokenRefreshMetrics ofTokenRefreshRegistry(TokenRefreshRegistry tokenRefreshRegistry) {
        return new TaggedTokenRefreshMetrics(TokenRefreshMetricNames.ofDefaults(), tokenRefreshRegistry);
    }

    /**
     * Creates a binder with custom meter names.
     *
     * @param names                the meter names
     * @param tokenRefreshRegistry the decorators to bind, now and later
     * @return the binder
     * @throws NullPointerException naming the parameter that is null
     */
    public static TaggedTokenRefreshMetrics ofTokenRefreshRegistry(TokenRefreshMetricNames names,
                                                                   TokenRefreshRegistry tokenRefreshRegistry) {
        return new TaggedTokenRefreshMetrics(names, tokenRefreshRegistry);
    }

    @Override
    public void bindTo(MeterRegistry meterRegistry) {
        requireNonNull(meterRegistry, "meterRegistry must not be null");
        if (followedBy.add(meterRegistry)) {
            tokenRefreshRegistry.getEventPublisher()
                .onEntryAdded(event -> addMetrics(meterRegistry, event.getAddedEntry(), null))
                .onEntryRemoved(event -> removeMetrics(meterRegistry, event.getRemovedEntry()))
                .onEntryReplaced(event -> {
                    removeMetrics(meterRegistry, event.getOldEntry());
                    addMetrics(meterRegistry, event.getNewEntry(), null);
                });
        }
        for (TokenRefreshDecorator decorator : tokenRefreshRegistry.getAllTokenRefreshes()) {
            addMetrics(meterRegistry, decorator, tokenRefreshRegistry);
        }
    }
}
