package io.github.tokenrefresh4j.micrometer;

import io.github.resilience4j.core.metrics.MetricsPublisher;
import io.github.resilience4j.core.registry.EntryRemovedEvent;
import io.github.resilience4j.core.registry.EntryReplacedEvent;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;

import static java.util.Objects.requireNonNull;

/**
 * Publishes the meters of {@link TaggedTokenRefreshMetrics} from inside a registry, as the registry's
 * {@code RegistryEventConsumer}, like resilience4j-micrometer's {@code TaggedRetryMetricsPublisher}: decorators
 * are bound as they are created, and unbound when removed.
 *
 * <pre>{@code
 * TokenRefreshRegistry registry = TokenRefreshRegistry.of(TokenRefreshConfig.ofDefaults(),
 *     new TaggedTokenRefreshMetricsPublisher(meterRegistry));
 * }</pre>
 *
 * <p>It sees only entry events, so a decorator created with {@code TokenRefreshDecorator.of} outside the registry
 * needs {@link #publishMetrics(TokenRefreshDecorator)}. Publishing the same decorator twice registers nothing
 * twice; publishing and removing it any number of times leaves one event consumer on it. Meters it shares with
 * another binder on the same meter registry stay until both have removed the decorator, and a decorator's meters
 * are registered all or none (see {@link TaggedTokenRefreshMetrics}).
 */
public final class TaggedTokenRefreshMetricsPublisher extends AbstractTokenRefreshMetrics
    implements MetricsPublisher<TokenRefreshDecorator> {

    private final MeterRegistry meterRegistry;
    /**
     * Entries whose removal was announced while they were not bound: a replace announced later must not bind them.
     * Weak, so an entry that is never announced again is not kept.
     */
    private final Set<TokenRefreshDecorator> removedBeforeAnnounced =
        Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    /**
     * @param meterRegistry where to register the meters, with the default names
     * @throws NullPointerException if {@code meterRegistry} is null
     */
    public TaggedTokenRefreshMetricsPublisher(MeterRegistry meterRegistry) {
        this(TokenRefreshMetricNames.ofDefaults(), meterRegistry);
    }

    /**
     * @param names         the meter names
     * @param meterRegistry where to register the meters
     * @throws NullPointerException naming the parameter that is null
     */
    public TaggedTokenRefreshMetricsPublisher(TokenRefreshMetricNames names, MeterRegistry meterRegistry) {
        super(names);
        this.meterRegistry = requireNonNull(meterRegistry, "meterRegistry must not be null");
    }

    @Override
    public void publishMetrics(TokenRefreshDecorator entry) {
        addMetrics(meterRegistry, requireNonNull(entry, "entry must not be null"), decorator -> true);
    }

    @Override
    public void removeMetrics(TokenRefreshDecorator entry) {
        removeMetrics(meterRegistry, requireNonNull(entry, "entry must not be null"));
    }

    @Override
    public void onEntryRemovedEvent(EntryRemovedEvent<TokenRefreshDecorator> event) {
        removeMetrics(meterRegistry, event.getRemovedEntry(), removedBeforeAnnounced::add);
    }

    /**
     * Resilience4j announces a replacement after its map holds the new entry, outside any lock, so the removal of
     * the new entry (or its own replacement) can be announced first: then it is not bound.
     */
    @Override
    public void onEntryReplacedEvent(EntryReplacedEvent<TokenRefreshDecorator> event) {
        try {
            removeMetrics(meterRegistry, event.getOldEntry(), removedBeforeAnnounced::add);
        } finally {
            addMetrics(meterRegistry, event.getNewEntry(), decorator -> !removedBeforeAnnounced.remove(decorator));
        }
    }
}
