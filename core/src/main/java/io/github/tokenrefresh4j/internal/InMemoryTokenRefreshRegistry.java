package io.github.tokenrefresh4j.internal;

import io.github.resilience4j.core.EventConsumer;
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
     * Consumers registered here are guarded: Resilience4j's registry publishes entry events inside its map update, so
     * a consumer that throws (a metrics binder whose meter registry fails, say) would otherwise make every later
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

    private static <T extends RegistryEvent> EventConsumer<T> guarded(EventConsumer<T> consumer) {
        Objects.requireNonNull(consumer, "eventConsumer must not be null");
        return event -> {
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
        return computeIfAbsent(name, () -> TokenRefreshDecorator.of(name, config, refresher, getAllTags(tags)));
    }
}
