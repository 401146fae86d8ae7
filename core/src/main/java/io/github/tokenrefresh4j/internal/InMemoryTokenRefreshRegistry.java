package io.github.tokenrefresh4j.internal;

import io.github.resilience4j.core.registry.AbstractRegistry;
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

/** A {@link TokenRefreshRegistry} that keeps its decorators in memory. */
public final class InMemoryTokenRefreshRegistry
    extends AbstractRegistry<TokenRefreshDecorator, TokenRefreshConfig> implements TokenRefreshRegistry {

    public InMemoryTokenRefreshRegistry(TokenRefreshConfig defaultConfig,
                                        List<RegistryEventConsumer<TokenRefreshDecorator>> consumers,
                                        Map<String, String> tags) {
        super(Objects.requireNonNull(defaultConfig, "defaultConfig must not be null"), consumers, tags);
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

    private TokenRefreshDecorator tokenRefresh(String name, TokenRefreshConfig config, TokenRefresher refresher,
                                               Map<String, String> tags) {
        Objects.requireNonNull(config, "config must not be null");
        Objects.requireNonNull(refresher, "refresher must not be null");
        Objects.requireNonNull(tags, "tags must not be null");
        return computeIfAbsent(name, () -> TokenRefreshDecorator.of(name, config, refresher, getAllTags(tags)));
    }
}
