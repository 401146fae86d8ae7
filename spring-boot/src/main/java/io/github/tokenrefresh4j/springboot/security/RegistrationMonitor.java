package io.github.tokenrefresh4j.springboot.security;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.core.OAuth2AccessToken;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * Reports the token requests Spring Security makes for one client registration to the decorator of that name in
 * the registry, so its metrics, endpoint entry and health follow them.
 *
 * <p>The decorator does not make the token requests (Spring Security's manager does, per principal); its
 * refresher replays the outcome of the last flight that obtained a token or failed. A flight obtained a token
 * when the token's issue instant is not before the flight's start. The replayed token carries a placeholder value
 * and the real expiry: the decorator never holds the access token. While the decorator is in its failure
 * cooldown it refuses the replay, and catches up with the next flight after the cooldown.
 */
final class RegistrationMonitor {

    private final TokenRefreshDecorator decorator;
    private volatile Object latest;

    RegistrationMonitor(TokenRefreshRegistry registry, String registrationId) {
        this.decorator = registry.tokenRefresh(registrationId, this::replay);
    }

    TokenRefreshDecorator decorator() {
        return decorator;
    }

    /** Called when a flight that started at {@code started} ended with {@code client} or {@code failure}. */
    void flightEnded(Instant started, OAuth2AuthorizedClient client, Throwable failure) {
        if (failure == null) {
            OAuth2AccessToken token = client == null ? null : client.getAccessToken();
            if (token == null || token.getIssuedAt() == null || token.getIssuedAt().isBefore(started)) {
                return; // the manager answered from its store: no token request to report
            }
            Instant expiresAt = token.getExpiresAt();
            String placeholder = "oauth2-client:" + decorator.getName();
            latest = expiresAt == null ? AccessToken.of(placeholder) : AccessToken.of(placeholder, expiresAt);
        } else {
            latest = failure;
        }
        decorator.invalidate();
        // Non-blocking (a reactive caller may be on an event loop); a refusal in cooldown is expected.
        decorator.executeCompletionStage(current -> CompletableFuture.completedFuture(null));
    }

    private AccessToken replay(AccessToken current) throws Exception {
        Object outcome = latest;
        if (outcome instanceof AccessToken token) {
            return token;
        }
        if (outcome instanceof Exception e) {
            throw e;
        }
        throw new IllegalStateException("token request for client registration " + decorator.getName()
            + " failed: " + outcome);
    }
}
