package io.github.tokenrefresh4j;

import io.github.resilience4j.core.Registry;
import io.github.resilience4j.core.registry.RegistryEventConsumer;
import io.github.tokenrefresh4j.internal.InMemoryTokenRefreshRegistry;

import java.util.Collections;
import java.util.Map;
import java.util.Set;

/**
 * Manages {@link TokenRefreshDecorator}s by name, with shared configurations, like Resilience4j's
 * {@code RetryRegistry}.
 *
 * <pre>{@code
 * TokenRefreshRegistry registry = TokenRefreshRegistry.of(config);
 * TokenRefreshDecorator orders = registry.tokenRefresh("orders-api", ordersRefresher);
 * TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);
 * }</pre>
 *
 * <p>Lookup is get-or-create: the first call for a name creates the decorator, later calls return it and ignore
 * their refresher. The registry publishes entry added, removed and replaced events.
 */
public interface TokenRefreshRegistry extends Registry<TokenRefreshDecorator, TokenRefreshConfig> {

    /** @return a registry whose default configuration is {@code defaultConfig} */
    static TokenRefreshRegistry of(TokenRefreshConfig defaultConfig) {
        return new InMemoryTokenRefreshRegistry(defaultConfig, Collections.emptyList(), Collections.emptyMap());
    }

    /** @return a registry with a default configuration and tags added to every decorator it creates */
    static TokenRefreshRegistry of(TokenRefreshConfig defaultConfig, Map<String, String> tags) {
        return new InMemoryTokenRefreshRegistry(defaultConfig, Collections.emptyList(), tags);
    }

    /** @return a registry whose entry events go to {@code registryEventConsumer}, for metrics binders */
    static TokenRefreshRegistry of(TokenRefreshConfig defaultConfig,
                                   RegistryEventConsumer<TokenRefreshDecorator> registryEventConsumer) {
        return new InMemoryTokenRefreshRegistry(defaultConfig,
            Collections.singletonList(registryEventConsumer), Collections.emptyMap());
    }

    /** @return a registry with the default configuration */
    static TokenRefreshRegistry ofDefaults() {
        return of(TokenRefreshConfig.ofDefaults());
    }

    /** @return every decorator in this registry */
    Set<TokenRefreshDecorator> getAllTokenRefreshes();

    /** Gets or creates the decorator {@code name} with the default configuration. */
    TokenRefreshDecorator tokenRefresh(String name, TokenRefresher refresher);

    /** Gets or creates the decorator {@code name} with the default configuration and extra tags. */
    TokenRefreshDecorator tokenRefresh(String name, TokenRefresher refresher, Map<String, String> tags);

    /** Gets or creates the decorator {@code name} with {@code config}. */
    TokenRefreshDecorator tokenRefresh(String name, TokenRefreshConfig config, TokenRefresher refresher);

    /**
     * Gets or creates the decorator {@code name} with {@code config} and extra tags. The registries that
     * {@link #of(TokenRefreshConfig)} and its siblings create support it; this default, for other implementations,
     * throws {@link UnsupportedOperationException}.
     */
    default TokenRefreshDecorator tokenRefresh(String name, TokenRefreshConfig config, TokenRefresher refresher,
                                               Map<String, String> tags) {
        throw new UnsupportedOperationException(getClass().getName()
            + " does not support tokenRefresh(name, config, refresher, tags); use TokenRefreshRegistry.of(...)");
    }

    /**
     * Gets or creates the decorator {@code name} with the configuration added as {@code configName}.
     *
     * @throws IllegalArgumentException if no configuration is named {@code configName}
     */
    TokenRefreshDecorator tokenRefresh(String name, String configName, TokenRefresher refresher);
}
