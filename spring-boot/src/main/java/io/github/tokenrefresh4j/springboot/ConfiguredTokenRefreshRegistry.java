package io.github.tokenrefresh4j.springboot;

import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.TokenRefresher;
import io.github.tokenrefresh4j.springboot.TokenRefreshProperties.InstanceProperties;

import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The registry built from {@link TokenRefreshProperties}: {@code tokenRefresh(name, refresher)} gives the instance
 * {@code name} its configured settings and tags; everything else goes to the core registry it wraps.
 */
final class ConfiguredTokenRefreshRegistry implements TokenRefreshRegistry, ConfiguredInstances {

    private final TokenRefreshRegistry delegate;
    private final Map<String, TokenRefreshConfig> instanceConfigs;
    private final Map<String, Map<String, String>> instanceTags;
    private final DecoratorCreation creation;

    private ConfiguredTokenRefreshRegistry(TokenRefreshRegistry delegate,
                                           Map<String, TokenRefreshConfig> instanceConfigs,
                                           Map<String, Map<String, String>> instanceTags,
                                           DecoratorCreation creation) {
        this.delegate = delegate;
        this.instanceConfigs = instanceConfigs;
        this.instanceTags = instanceTags;
        this.creation = creation;
    }

    @Override
    public Map<String, TokenRefreshConfig> getInstanceConfigurations() {
        return Map.copyOf(instanceConfigs);
    }

    /**
     * Builds every config and instance now, so a bad value fails the application's startup.
     *
     * @throws IllegalArgumentException naming the property, for a value the config builder refuses or a
     *                                  base-config that does not exist or loops
     */
    static ConfiguredTokenRefreshRegistry of(TokenRefreshProperties properties,
                                             List<TokenRefreshConfigCustomizer> customizers) {
        return of(properties, customizers, DecoratorCreation.PLAIN);
    }

    /** As {@link #of(TokenRefreshProperties, List)}, each decorator created through {@code creation}. */
    static ConfiguredTokenRefreshRegistry of(TokenRefreshProperties properties,
                                             List<TokenRefreshConfigCustomizer> customizers,
                                             DecoratorCreation creation) {
        Builder builder = new Builder(properties, customizers);
        InstanceProperties defaults = properties.getConfigs().get(TokenRefreshProperties.DEFAULT_CONFIG);
        TokenRefreshRegistry delegate = TokenRefreshRegistry.of(builder.config(TokenRefreshProperties.DEFAULT_CONFIG),
            defaults == null ? Map.of() : defaults.getTags());
        for (String name : properties.getConfigs().keySet()) {
            if (!TokenRefreshProperties.DEFAULT_CONFIG.equals(name)) {
                delegate.addConfiguration(name, builder.config(name));
            }
        }
        Map<String, TokenRefreshConfig> instanceConfigs = new HashMap<>();
        Map<String, Map<String, String>> instanceTags = new HashMap<>();
        properties.getInstances().forEach((name, instance) -> {
            instanceConfigs.put(name, builder.build("instances", name, instance));
            instanceTags.put(name, builder.tags(instance));
        });
        return new ConfiguredTokenRefreshRegistry(delegate, instanceConfigs, instanceTags, creation);
    }

    @Override
    public Set<TokenRefreshDecorator> getAllTokenRefreshes() {
        return delegate.getAllTokenRefreshes();
    }

    @Override
    public TokenRefreshDecorator tokenRefresh(String name, TokenRefresher refresher) {
        return tokenRefresh(name, refresher, Collections.emptyMap());
    }

    @Override
    public TokenRefreshDecorator tokenRefresh(String name, TokenRefresher refresher, Map<String, String> tags) {
        TokenRefreshConfig config = instanceConfigs.get(name);
        if (config == null) {
            return creation.create(name, delegate.getDefaultConfig(), refresher,
                (c, r) -> delegate.tokenRefresh(name, c, r, tags));
        }
        Map<String, String> merged = new LinkedHashMap<>(instanceTags.get(name));
        merged.putAll(tags);
        return tokenRefresh(name, config, refresher, merged);
    }

    @Override
    public TokenRefreshDecorator tokenRefresh(String name, TokenRefreshConfig config, TokenRefresher refresher) {
        return tokenRefresh(name, config, refresher, instanceTags.getOrDefault(name, Map.of()));
    }

    @Override
    public TokenRefreshDecorator tokenRefresh(String name, TokenRefreshConfig config, TokenRefresher refresher,
                                              Map<String, String> tags) {
        return creation.create(name, config, refresher, (c, r) -> delegate.tokenRefresh(name, c, r, tags));
    }

    @Override
    public TokenRefreshDecorator tokenRefresh(String name, String configName, TokenRefresher refresher) {
        Optional<TokenRefreshConfig> config = delegate.getConfiguration(configName);
        if (config.isEmpty()) {
            return delegate.tokenRefresh(name, configName, refresher); // which says the name is unknown
        }
        return creation.create(name, config.get(), refresher, (c, r) -> delegate.tokenRefresh(name, c, r));
    }

    @Override
    public void addConfiguration(String configName, TokenRefreshConfig configuration) {
        delegate.addConfiguration(configName, configuration);
    }

    @Override
    public Optional<TokenRefreshDecorator> find(String name) {
        return delegate.find(name);
    }

    @Override
    public Optional<TokenRefreshDecorator> remove(String name) {
        return delegate.remove(name);
    }

    @Override
    public Optional<TokenRefreshDecorator> replace(String name, TokenRefreshDecorator newEntry) {
        return delegate.replace(name, newEntry);
    }

    @Override
    public Optional<TokenRefreshConfig> getConfiguration(String configName) {
        return delegate.getConfiguration(configName);
    }

    @Override
    public TokenRefreshConfig getDefaultConfig() {
        return delegate.getDefaultConfig();
    }

    @Override
    public Map<String, String> getTags() {
        return delegate.getTags();
    }

    @Override
    public EventPublisher<TokenRefreshDecorator> getEventPublisher() {
        return delegate.getEventPublisher();
    }

    @Override
    public TokenRefreshConfig removeConfiguration(String configName) {
        return delegate.removeConfiguration(configName);
    }

    @Override
    public String toString() {
        return "ConfiguredTokenRefreshRegistry{instances=" + instanceConfigs.keySet() + '}';
    }

    /** Builds configs from the properties, each once, following base-config. */
    private static final class Builder {
        private final TokenRefreshProperties properties;
        private final List<TokenRefreshConfigCustomizer> customizers;
        private final Map<String, TokenRefreshConfig> built = new HashMap<>();
        private final Set<String> building = new HashSet<>();

        Builder(TokenRefreshProperties properties, List<TokenRefreshConfigCustomizer> customizers) {
            this.properties = properties;
            this.customizers = customizers;
        }

        /** The named config of {@code tokenrefresh4j.configs}; "default" exists even when not configured. */
        TokenRefreshConfig config(String name) {
            TokenRefreshConfig config = built.get(name);
            if (config != null) {
                return config;
            }
            if (!building.add(name)) {
                String property = TokenRefreshProperties.PREFIX + ".configs." + name + ".base-config";
                throw new InvalidTokenRefreshPropertyException(property, property
                    + ": the base-config chain loops back to '" + name + "'; break the loop",
                    "Change one base-config of the chain through " + property + " so that it ends at a config"
                        + " without base-config (or at 'default').", null);
            }
            InstanceProperties props = properties.getConfigs().get(name);
            config = props == null ? build(TokenRefreshConfig.custom(), name, "configs", name, new InstanceProperties())
                : build("configs", name, props);
            built.put(name, config);
            building.remove(name);
            return config;
        }

        TokenRefreshConfig build(String section, String name, InstanceProperties props) {
            return build(TokenRefreshConfig.from(base(section, name, props)), name, section, name, props);
        }

        private TokenRefreshConfig base(String section, String name, InstanceProperties props) {
            String baseName = props.getBaseConfig();
            if (baseName == null) {
                boolean isDefault = "configs".equals(section) && TokenRefreshProperties.DEFAULT_CONFIG.equals(name);
                return isDefault ? TokenRefreshConfig.ofDefaults() : config(TokenRefreshProperties.DEFAULT_CONFIG);
            }
            if (!properties.getConfigs().containsKey(baseName)
                && !TokenRefreshProperties.DEFAULT_CONFIG.equals(baseName)) {
                String property = property(section, name, "base-config");
                throw new InvalidTokenRefreshPropertyException(property, property + ": no config named '"
                    + baseName + "' under " + TokenRefreshProperties.PREFIX + ".configs; known: "
                    + properties.getConfigs().keySet(), "Set " + property + " to one of "
                    + properties.getConfigs().keySet() + " or 'default', or define " + TokenRefreshProperties.PREFIX
                    + ".configs." + baseName + ".", null);
            }
            return config(baseName);
        }

        private TokenRefreshConfig build(TokenRefreshConfig.Builder builder, String customizerName, String section,
                                         String name, InstanceProperties props) {
            set(section, name, "refresh-ahead", props.getRefreshAhead(), builder::refreshAhead);
            set(section, name, "refresh-timeout", props.getRefreshTimeout(), builder::refreshTimeout);
            set(section, name, "failure-cooldown", props.getFailureCooldown(),
                value -> builder.failureCooldown(value));
            set(section, name, "max-refresh-attempts-per-call", props.getMaxRefreshAttemptsPerCall(),
                builder::maxRefreshAttemptsPerCall);
            for (TokenRefreshConfigCustomizer customizer : customizers) {
                if (customizer.name().equals(customizerName)) {
                    customizer.customize(builder);
                }
            }
            return builder.build();
        }

        /** The tags of an instance: those of its base config (or "default"), then its own. */
        Map<String, String> tags(InstanceProperties props) {
            Map<String, String> tags = new LinkedHashMap<>();
            String baseName = props.getBaseConfig() == null ? TokenRefreshProperties.DEFAULT_CONFIG
                : props.getBaseConfig();
            InstanceProperties base = properties.getConfigs().get(baseName);
            if (base != null) {
                tags.putAll(tags(base, new HashSet<>(Set.of(baseName))));
            }
            tags.putAll(props.getTags());
            return Collections.unmodifiableMap(tags);
        }

        private Map<String, String> tags(InstanceProperties config, Set<String> seen) {
            Map<String, String> tags = new LinkedHashMap<>();
            String baseName = config.getBaseConfig();
            InstanceProperties base = baseName == null ? null : properties.getConfigs().get(baseName);
            if (base != null && seen.add(baseName)) {
                tags.putAll(tags(base, seen));
            }
            tags.putAll(config.getTags());
            return tags;
        }

        private static <T> void set(String section, String name, String key, T value, Consumer<T> setter) {
            if (value == null) {
                return;
            }
            try {
                setter.accept(value);
            } catch (IllegalArgumentException e) {
                String property = property(section, name, key);
                throw new InvalidTokenRefreshPropertyException(property, property + "=" + value + " is invalid: "
                    + e.getMessage(), "Change " + property + " in your configuration to a value the message above"
                        + " allows (durations as 10s, 500ms or PT10S).", e);
            }
        }

        private static String property(String section, String name, String key) {
            return TokenRefreshProperties.PREFIX + '.' + section + '.' + name + '.' + key;
        }
    }
}
