package io.github.tokenrefresh4j.springboot.security;

import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshRegistry;

import org.springframework.security.oauth2.client.OAuth2AuthorizationContext;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.core.OAuth2AccessToken;

import java.time.Duration;
import java.time.Instant;

/**
 * How long before its expiry Spring's provider refreshes a token: the {@code clockSkew} of Spring's
 * {@code client_credentials} and {@code refresh_token} providers. The providers the starter builds take it from the
 * registration's {@code refresh-ahead} ({@link RefreshAheadProvider}), at most half the token's lifetime, as the
 * decorator's own refresh-ahead: a {@code refresh-ahead} of 5 minutes does not make a token request on every call
 * for tokens that live 5 minutes. Of any other provider the starter assumes Spring's default, 60 s, uncapped.
 */
final class ClockSkews {

    /** The clock skew of Spring's providers unless told otherwise. */
    static final Duration SPRING_DEFAULT = Duration.ofSeconds(60);

    private ClockSkews() {
    }

    /** How long before its expiry a token of a registration is refreshed. */
    @FunctionalInterface
    interface ClockSkew {
        /**
         * @param token the token, {@code null} if unknown
         * @return how long before its expiry {@code token} of {@code registrationId} is refreshed
         */
        Duration of(String registrationId, OAuth2AccessToken token);
    }

    /** A provider the starter built, whose clock skew per registration is its {@code refresh-ahead}, capped. */
    interface RefreshAheadProvider {
        /** @return the registration's {@code refresh-ahead} */
        Duration refreshAhead(String registrationId);
    }

    /**
     * @return by registration id and token, the clock skew of the provider of {@code manager} (read once, from
     * Spring's private field {@code authorizedClientProvider}: the starter's provider tells its own)
     */
    static ClockSkew of(Object manager) {
        Object provider;
        try {
            provider = Partitions.field(manager, "authorizedClientProvider");
        } catch (RuntimeException e) {
            provider = null;
        }
        if (provider instanceof RefreshAheadProvider starters) {
            return (registrationId, token) -> capped(starters.refreshAhead(registrationId), token);
        }
        return (registrationId, token) -> SPRING_DEFAULT;
    }

    /** @return {@code refreshAhead}, at most half the lifetime of {@code token} when it says when it was issued */
    static Duration capped(Duration refreshAhead, OAuth2AccessToken token) {
        if (token == null || token.getIssuedAt() == null || token.getExpiresAt() == null) {
            return refreshAhead;
        }
        Duration half = Duration.between(token.getIssuedAt(), token.getExpiresAt()).dividedBy(2);
        return half.compareTo(refreshAhead) < 0 && !half.isNegative() ? half : refreshAhead;
    }

    /**
     * @return whether the context's authorized client is not due for a refresh by the capped clock skew, although
     * Spring's provider, whose clock skew is the whole {@code refreshAhead}, would refresh it: the starter's provider
     * then answers that nothing needs doing, and the manager keeps the authorized client
     */
    static boolean dueOnlyUncapped(OAuth2AuthorizationContext context, Duration refreshAhead) {
        OAuth2AuthorizedClient client = context.getAuthorizedClient();
        OAuth2AccessToken token = client == null ? null : client.getAccessToken();
        if (token == null || token.getExpiresAt() == null) {
            return false;
        }
        Duration skew = capped(refreshAhead, token);
        return skew.compareTo(refreshAhead) < 0 && Instant.now().isBefore(token.getExpiresAt().minus(skew));
    }

    /** @return the settings of the registration's decorator, or the registry's default before it exists */
    static TokenRefreshConfig configOf(TokenRefreshRegistry registry, String registrationId) {
        return registry.find(registrationId).map(decorator -> decorator.getTokenRefreshConfig())
            .orElseGet(registry::getDefaultConfig);
    }
}
