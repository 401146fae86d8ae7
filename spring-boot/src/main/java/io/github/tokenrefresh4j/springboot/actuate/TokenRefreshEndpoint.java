package io.github.tokenrefresh4j.springboot.actuate;

import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.springboot.ConfiguredInstances;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The actuator endpoint {@code tokenrefreshes}: {@code GET /actuator/tokenrefreshes} lists every decorator of the
 * registry, {@code GET /actuator/tokenrefreshes/{name}} shows one (404 when there is none). Expose it with
 * {@code management.endpoints.web.exposure.include=tokenrefreshes}. It shows no token value.
 */
@Endpoint(id = "tokenrefreshes")
public class TokenRefreshEndpoint {

    private final TokenRefreshRegistry tokenRefreshRegistry;

    public TokenRefreshEndpoint(TokenRefreshRegistry tokenRefreshRegistry) {
        this.tokenRefreshRegistry = Objects.requireNonNull(tokenRefreshRegistry,
            "tokenRefreshRegistry must not be null");
    }

    /** @return every decorator, by name, and the configured instances not created yet with their settings */
    @ReadOperation
    public TokenRefreshesDescriptor tokenRefreshes() {
        List<TokenRefreshDescriptor> created = tokenRefreshRegistry.getAllTokenRefreshes().stream()
            .sorted(Comparator.comparing(TokenRefreshDecorator::getName))
            .map(TokenRefreshDescriptor::of)
            .toList();
        List<ConfiguredInstanceDescriptor> notCreated = List.of();
        if (tokenRefreshRegistry instanceof ConfiguredInstances configured) {
            notCreated = new TreeMap<>(configured.getInstanceConfigurations()).entrySet().stream()
                .filter(instance -> tokenRefreshRegistry.find(instance.getKey()).isEmpty())
                .map(instance -> new ConfiguredInstanceDescriptor(instance.getKey(),
                    TokenRefreshDescriptor.Settings.of(instance.getValue())))
                .toList();
        }
        return new TokenRefreshesDescriptor(created, notCreated);
    }

    /** @return the decorator {@code name}, or null (404) when the registry has none of that name */
    @ReadOperation
    public TokenRefreshDescriptor tokenRefresh(@Selector String name) {
        return tokenRefreshRegistry.find(name).map(TokenRefreshDescriptor::of).orElse(null);
    }

    /**
     * The list the endpoint answers.
     *
     * @param tokenRefreshes      every decorator, sorted by name
     * @param configuredNotCreated the {@code tokenrefresh4j.instances} no decorator has been created for yet
     */
    public record TokenRefreshesDescriptor(List<TokenRefreshDescriptor> tokenRefreshes,
                                           List<ConfiguredInstanceDescriptor> configuredNotCreated) {
    }

    /**
     * A configured instance no decorator has been created for yet (the application creates it on first use).
     *
     * @param name     its name
     * @param settings its effective settings
     */
    public record ConfiguredInstanceDescriptor(String name, TokenRefreshDescriptor.Settings settings) {
    }
}
