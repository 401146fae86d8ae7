package io.github.tokenrefresh4j.internal;

import io.github.resilience4j.core.EventConsumer;
import io.github.resilience4j.core.EventProcessor;
import io.github.resilience4j.core.Registry;
import io.github.resilience4j.core.registry.AbstractRegistry;
import io.github.resilience4j.core.registry.EntryAddedEvent;
import io.github.resilience4j.core.registry.EntryRemovedEvent;
import io.github.resilience4j.core.registry.EntryReplacedEvent;
import io.github.resilience4j.core.registry.RegistryEvent;
import io.github.resilience4j.core.registry.RegistryEventConsumer;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.TokenRefresher;

import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/** A {@link TokenRefreshRegistry} that keeps its decorators in memory. */
public final class InMemoryTokenRefreshRegistry
    extends AbstractRegistry<TokenRefreshDecorator, TokenRefreshConfig> implements TokenRefreshRegistry {

    private static final Logger LOG = Logger.getLogger(InMemoryTokenRefreshRegistry.class.getName());

    /**
     * Set on a thread while it adds an entry: Resilience4j announces an entry inside its map update, before the map
     * holds it, so the announcement is held back (the guarded consumers skip it, the first keeps it here) and made
     * again once the entry is visible. So a binder that subscribes and then sweeps the map never misses an entry:
     * one added before its sweep is in the map, one announced after its subscription reaches it.
     */
    private final ThreadLocal<RegistryEvent[]> heldAnnouncement = new ThreadLocal<>();

    public InMemoryTokenRefreshRegistry(TokenRefreshConfig defaultConfig,
                                        List<RegistryEventConsumer<TokenRefreshDecorator>> consumers,
                                        Map<String, String> tags) {
        super(Objects.requireNonNull(defaultConfig, "defaultConfig must not be null"), Collections.emptyList(), tags);
        // Through the guarded publisher below, so consumers given here are guarded like those added later.
        for (RegistryEventConsumer<TokenRefreshDecorator> consumer
            : Objects.requireNonNull(consumers, "consumers must not be null")) {
            Objects.requireNonNull(consumer, "registryEventConsumer must not be null");
            getEventPublisher()
                .onEntryAdded(consumer::onEntryAddedEvent)
                .onEntryRemoved(consumer::onEntryRemovedEvent)
                .onEntryReplaced(consumer::onEntryReplacedEvent);
        }
    }

    /**
     * Consumers registered here are guarded: Resilience4j's registry publishes an added entry inside its map update
     * (held back here and announced again once the map holds it, see {@code heldAnnouncement}), so a consumer that
     * throws (a metrics binder whose meter registry fails, say) would otherwise make every later
     * {@code tokenRefresh(name, ...)} fail and leave the decorator unregistered. A consumer that throws is logged and
     * skipped, as the decorators' own event consumers are.
     */
    @Override
    public Registry.EventPublisher<TokenRefreshDecorator> getEventPublisher() {
        Registry.EventPublisher<TokenRefreshDecorator> delegate = super.getEventPublisher();
        return new Registry.EventPublisher<>() {
            @Override
            public Registry.EventPublisher<TokenRefreshDecorator> onEntryAdded(
                EventConsumer<EntryAddedEvent<TokenRefreshDecorator>> consumer) {
                delegate.onEntryAdded(guarded(consumer));
                return this;
            }

            @Override
            public Registry.EventPublisher<TokenRefreshDecorator> onEntryRemoved(
                EventConsumer<EntryRemovedEvent<TokenRefreshDecorator>> consumer) {
                delegate.onEntryRemoved(guarded(consumer));
                return this;
            }

            @Override
            public Registry.EventPublisher<TokenRefreshDecorator> onEntryReplaced(
                EventConsumer<EntryReplacedEvent<TokenRefreshDecorator>> consumer) {
                delegate.onEntryReplaced(guarded(consumer));
                return this;
            }

            @Override
            public void onEvent(EventConsumer<RegistryEvent> consumer) {
                delegate.onEvent(guarded(consumer));
            }
        };
    }

    private <T extends RegistryEvent> EventConsumer<T> guarded(EventConsumer<T> consumer) {
        Objects.requireNonNull(consumer, "eventConsumer must not be null");
        return event -> {
            RegistryEvent[] held = event.getEventType() == RegistryEvent.Type.ADDED ? heldAnnouncement.get() : null;
            if (held != null) {
                held[0] = event; // the entry is not in the map yet: announced by tokenRefresh once it is
                return;
            }
            try {
                consumer.consumeEvent(event);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a TokenRefreshRegistry event consumer threw on " + event.getEventType()
                    + "; the registry change itself was made", e);
            }
        };
    }

    @Override
    public Set<TokenRefreshDecorator> getAllTokenRefreshes() {
        return Collections.unmodifiableSet(new HashSet<>(entryMap.values()));
    }

    @Override
    public TokenRefreshDecorator tokenRefresh(String name, TokenRefresher refresher) {
        return tokenRefresh(name, getDefaultConfig(), refresher, Collections.emptyMap());
    }

    @Override
    public TokenRefreshDecorator tokenRefresh(String name, TokenRefresher refresher, Map<String, String> tags) {
        return tokenRefresh(name, getDefaultConfig(), refresher, tags);
    }

    @Override
    public TokenRefreshDecorator tokenRefresh(String name, TokenRefreshConfig config, TokenRefresher refresher) {
        return tokenRefresh(name, config, refresher, Collections.emptyMap());
    }

    @Override
    public TokenRefreshDecorator tokenRefresh(String name, String configName, TokenRefresher refresher) {
        Objects.requireNonNull(configName, "configName must not be null");
        TokenRefreshConfig config = getConfiguration(configName).orElseThrow(() ->
            new IllegalArgumentException("configName '" + configName + "' is not a configuration of this registry"));
        return tokenRefresh(name, config, refresher, Collections.emptyMap());
    }

    @Override
    public TokenRefreshDecorator tokenRefresh(String name, TokenRefreshConfig config, TokenRefresher refresher,
                                              Map<String, String> tags) {
        Objects.requireNonNull(config, "config must not be null");
        Objects.requireNonNull(refresher, "refresher must not be null");
        Objects.requireNonNull(tags, "tags must not be null");
        Registry.EventPublisher<TokenRefreshDecorator> publisher = super.getEventPublisher();
        // Resilience4j's publisher is its event processor; were it not, announcements stay as Resilience4j makes them
        RegistryEvent[] held = publisher instanceof EventProcessor ? new RegistryEvent[1] : null;
        heldAnnouncement.set(held);
        TokenRefreshDecorator decorator;
        try {
            decorator = computeIfAbsent(name, () -> TokenRefreshDecorator.of(name, config, refresher,
                getAllTags(tags)));
        } finally {
            heldAnnouncement.remove();
        }
        if (held != null && held[0] != null) {
            announce(publisher, held[0]);
        }
        return decorator;
    }

    /** Announces an added entry again, now that the map holds it, to the consumers registered by now. */
    @SuppressWarnings("unchecked")
    private static void announce(Registry.EventPublisher<TokenRefreshDecorator> publisher, RegistryEvent added) {
        ((EventProcessor<RegistryEvent>) publisher).processEvent(added);
    }
}
