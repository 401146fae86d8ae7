package io.github.tokenrefresh4j.micrometer;

import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

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
 *   <li>{@code tokenrefresh.refresh.duration} (Timer of refresher calls, {@code kind=successful|failed} and
 *       {@code reason=initial|expired|ahead|rejected|invalidated})</li>
 *   <li>{@code tokenrefresh.waiting.calls} (Gauge of calls waiting for a refresh now)</li>
 *   <li>{@code tokenrefresh.coalesced.calls} (FunctionCounter of calls that waited for another call's
 *       refresh)</li>
 *   <li>{@code tokenrefresh.token.rejections} (FunctionCounter of outcomes that said the token was rejected)</li>
 *   <li>{@code tokenrefresh.token.remaining.lifetime} (Gauge in seconds until the latest token's expiry by the
 *       decorator's clock; negative once expired, NaN without a token or a known expiry). It tells when the token
 *       the decorator holds expires, not whether it is usable: after {@code invalidate()} or a rejection it keeps
 *       reporting that token until a refresh replaces it; the rejection and failed-refresh counters show those.</li>
 * </ul>
 * No meter carries a token value. Counters and gauges read the decorator's {@code Metrics}; timers are fed by its
 * refresh events.
 *
 * <p>The binder follows the registry: an entry added later is bound, a removed entry's meters are removed, and a
 * replaced entry's meters are re-registered for the new decorator. Binding again to the same meter registry binds
 * what is missing and registers nothing twice. A meter registry that was closed is let go, with the meters bound in
 * it, at the next registry change or {@code bindTo}.
 *
 * <p>What is guaranteed under churn:
 * <ul>
 *   <li>The binder listens to the registry from its creation, before any {@code bindTo} sweeps the registry, and
 *       the registry that {@code TokenRefreshRegistry.of} builds announces an entry only once its map holds it.
 *       So an entry added while a binder is created and bound is in the sweep or heard by the binder, whatever
 *       the interleaving. For a registry that announces entries before they are visible (Resilience4j's own
 *       {@code AbstractRegistry} does), the binder also remembers the entries it heard announced and binds them
 *       at {@code bindTo}. A replacement is announced after the map holds it and outside any lock, so its removal
 *       can be announced first; it is then not bound.</li>
 *   <li>A decorator's meters are registered all or none: if the meter registry rejects one of them, those
 *       registered before it are removed again and {@code bindTo} (or the registry change that bound it) throws
 *       the meter registry's exception.</li>
 *   <li>Two binders that bind one decorator to one meter registry share its meters (Micrometer hands both the
 *       same meters, after its {@code MeterFilter}s) and record each refresh once. A shared meter is removed when
 *       the last binder that holds the decorator lets it go: removing the decorator from one binder's registry
 *       leaves the meters that another binder (or a {@link TaggedTokenRefreshMetricsPublisher}) still binds. A
 *       decorator bound under the name and tags of another (the replacement of a registry entry that another
 *       binder has not let go yet) gets meters of its own, which read it; the last one bound wins.</li>
 *   <li>Each decorator carries one timer-feeding event consumer for its whole life, however often it is bound
 *       and unbound: Resilience4j's event publisher cannot unregister a consumer, so the one consumer records into
 *       whichever bindings are current.</li>
 * </ul>
 *
 * <p>Why not extend resilience4j-micrometer: its {@code AbstractMetrics} and {@code AbstractRetryMetrics} are
 * package-private, so another package cannot reuse them, and the dependency would add only the {@code TagNames}
 * constants plus runtime dependencies on five Resilience4j modules. The registry-following here also closes gaps
 * of the Resilience4j version listed above, and keeps meter ids per meter registry (binding one binder to two
 * meter registries works). The publisher variant reuses resilience4j-core's {@code MetricsPublisher}; see
 * {@link TaggedTokenRefreshMetricsPublisher}.
 */
public final class TaggedTokenRefreshMetrics extends AbstractTokenRefreshMetrics implements MeterBinder {

    private final TokenRefreshRegistry tokenRefreshRegistry;
    private final Set<MeterRegistry> followedBy = ConcurrentHashMap.newKeySet();
    /**
     * Entries heard announced and not yet seen in the registry's map by a sweep: Resilience4j announces an entry
     * before it puts it in the map.
     */
    private final Set<TokenRefreshDecorator> announced = ConcurrentHashMap.newKeySet();

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
        return ofTokenRefreshRegistry(TokenRefreshMetricNames.ofDefaults(), tokenRefreshRegistry);
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
        TaggedTokenRefreshMetrics binder = new TaggedTokenRefreshMetrics(names, tokenRefreshRegistry);
        binder.follow();
        return binder;
    }

    /** Listens to the registry from now on, for every meter registry this binder is bound to, now or later. */
    private void follow() {
        tokenRefreshRegistry.getEventPublisher()
            .onEntryAdded(event -> entryAdded(event.getAddedEntry()))
            .onEntryRemoved(event -> entryRemoved(event.getRemovedEntry()))
            .onEntryReplaced(event -> {
                try {
                    entryRemoved(event.getOldEntry());
                } finally {
                    entryReplacing(event.getNewEntry());
                }
            });
    }

    /**
     * Resilience4j announces a replacement after its map holds the new entry, outside any lock, so a removal of the
     * new entry can be announced first: it is bound only while the registry still holds it, and not remembered as
     * announced (a sweep finds it in the map).
     */
    private void entryReplacing(TokenRefreshDecorator decorator) {
        forEach(followedBy, meterRegistry -> addMetrics(meterRegistry, decorator, this::inRegistry));
    }

    // announced is written before followedBy is read here, and followedBy before announced in bindTo: each
    // entry meets each meter registry in one of the two places.
    private void entryAdded(TokenRefreshDecorator decorator) {
        forgetClosed();
        announced.add(decorator);
        forEach(followedBy, meterRegistry -> addMetrics(meterRegistry, decorator, this::isHeld));
    }

    private void entryRemoved(TokenRefreshDecorator decorator) {
        forgetClosed();
        announced.remove(decorator);
        forEach(followedBy, meterRegistry -> removeMetrics(meterRegistry, decorator));
    }

    /**
     * Lets go of the meter registries that were closed, and of the meters bound in them. Micrometer has no close
     * event, so this runs at each registry change and {@code bindTo}; a closed meter registry is not bound to.
     */
    private void forgetClosed() {
        for (MeterRegistry meterRegistry : followedBy) {
            if (meterRegistry.isClosed() && followedBy.remove(meterRegistry)) {
                forget(meterRegistry);
            }
        }
    }

    /** Runs {@code action} on every element, even after one threw; then throws the first failure. */
    private static <T> void forEach(Iterable<T> elements, Consumer<T> action) {
        RuntimeException failure = null;
        for (T element : elements) {
            try {
                action.accept(element);
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Whether the registry holds {@code decorator}, or is announcing it. */
    private boolean isHeld(TokenRefreshDecorator decorator) {
        return announced.contains(decorator) || inRegistry(decorator);
    }

    private boolean inRegistry(TokenRefreshDecorator decorator) {
        return tokenRefreshRegistry.find(decorator.getName()).orElse(null) == decorator;
    }

    /**
     * Binds every decorator of the registry to {@code meterRegistry}, and those added later as they are added.
     *
     * @throws NullPointerException if {@code meterRegistry} is null
     * @throws RuntimeException     what {@code meterRegistry} threw when registering a meter; the decorator whose
     *                              meter failed has none registered, the others are bound, and binding again
     *                              retries it
     */
    @Override
    public void bindTo(MeterRegistry meterRegistry) {
        requireNonNull(meterRegistry, "meterRegistry must not be null");
        forgetClosed();
        if (meterRegistry.isClosed()) {
            return;
        }
        followedBy.add(meterRegistry);
        List<TokenRefreshDecorator> decorators = new ArrayList<>(tokenRefreshRegistry.getAllTokenRefreshes());
        decorators.addAll(announced);
        try {
            forEach(decorators, decorator -> addMetrics(meterRegistry, decorator, this::isHeld));
        } finally {
            // Those in the map are found by sweeps from now on; one removed meanwhile left the set on its removal.
            announced.removeIf(this::inRegistry);
        }
    }
}
