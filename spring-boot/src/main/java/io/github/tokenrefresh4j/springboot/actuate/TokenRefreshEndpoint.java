package io.github.tokenrefresh4j.springboot.actuate;

import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

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

    /** @return every decorator, by name */
    @ReadOperation
    public TokenRefreshesDescriptor tokenRefreshes() {
        return new TokenRefreshesDescriptor(tokenRefreshRegistry.getAllTokenRefreshes().stream()
            .sorted(Comparator.comparing(TokenRefreshDecorator::getName))
            .map(TokenRefreshDescriptor::of)
            .toList());
    }

    /** @return the decorator {@code name}, or null (404) when the registry has none of that name */
    @ReadOperation
    public TokenRefreshDescriptor tokenRefresh(@Selector String name) {
        return tokenRefreshRegistry.find(name).map(TokenRefreshDescriptor::of).orElse(null);
    }

    /**
     * The list the endpoint answers.
     *
     * @param tokenRefreshes every decorator, sorted by name
     */
    public record TokenRefreshesDescriptor(List<TokenRefreshDescriptor> tokenRefreshes) {
    }
}
