package io.github.tokenrefresh4j.springboot.security;

import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshRegistry;

import java.time.Duration;
import java.util.function.Function;

/**
 * How long before its expiry Spring's provider refreshes a token: the {@code clockSkew} of Spring's
 * {@code client_credentials} and {@code refresh_token} providers. The providers the starter builds take it from the
 * registration's {@code refresh-ahead} ({@link RefreshAheadProvider}); of any other provider the starter assumes
 * Spring's default, 60 s.
 */
final class ClockSkews {

    /** The clock skew of Spring's providers unless told otherwise. */
    static final Duration SPRING_DEFAULT = Duration.ofSeconds(60);

    private ClockSkews() {
    }

    /** A provider the starter built, whose clock skew per registration is its {@code refresh-ahead}. */
    interface RefreshAheadProvider {
        /** @return the clock skew of the provider for {@code registrationId} */
        Duration clockSkew(String registrationId);
    }

    /**
     * @return by registration id, the clock skew of the provider of {@code manager} (read once, from Spring's
     * private field {@code authorizedClientProvider}: the starter's provider tells its own)
     */
    static Function<String, Duration> of(Object manager) {
        Object provider;
        try {
            provider = Partitions.field(manager, "authorizedClientProvider");
        } catch (RuntimeException e) {
            provider = null;
        }
        if (provider instanceof RefreshAheadProvider refreshAhead) {
            return refreshAhead::clockSkew;
        }
        return registrationId -> SPRING_DEFAULT;
    }

    /** @return the settings of the registration's decorator, or the registry's default before it exists */
    static TokenRefreshConfig configOf(TokenRefreshRegistry registry, String registrationId) {
        return registry.find(registrationId).map(decorator -> decorator.getTokenRefreshConfig())
            .orElseGet(registry::getDefaultConfig);
    }
}
