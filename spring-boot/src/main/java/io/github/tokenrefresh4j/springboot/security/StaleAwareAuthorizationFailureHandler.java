package io.github.tokenrefresh4j.springboot.security;

import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.client.ClientAuthorizationException;
import org.springframework.security.oauth2.client.OAuth2AuthorizationFailureHandler;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.RemoveAuthorizedClientOAuth2AuthorizationFailureHandler;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2AuthorizationException;

import java.security.MessageDigest;
import java.util.Map;
import java.util.Objects;

/**
 * Spring Security's failure handler that removes the authorized client after a 401 {@code invalid_token} (or
 * another error code of {@link RemoveAuthorizedClientOAuth2AuthorizationFailureHandler}), but only if the stored
 * client still holds the access token the failed request used. A stale 401, for a token another call has already
 * replaced, leaves the fresh token alone, so it causes no second token request.
 *
 * <pre>{@code
 * OAuth2ClientHttpRequestInterceptor oauth2 = new OAuth2ClientHttpRequestInterceptor(authorizedClientManager);
 * oauth2.setAuthorizationFailureHandler(staleAwareAuthorizationFailureHandler); // the starter's bean
 * }</pre>
 *
 * <p>The token the failed request used comes from the attribute {@link #ACCESS_TOKEN_ATTRIBUTE} or the
 * {@link OAuth2AuthorizedClient} attribute when the caller passes one, and otherwise from the
 * {@link TokenRefreshOAuth2AuthorizedClientManager} that handed it out on this thread (as the RestClient interceptor
 * does: it authorizes, sends and handles the failure on one thread). When neither knows, it removes the client, as
 * Spring Security does.
 */
public final class StaleAwareAuthorizationFailureHandler implements OAuth2AuthorizationFailureHandler {

    /** The attribute that may carry the {@link OAuth2AccessToken} the failed request used. */
    public static final String ACCESS_TOKEN_ATTRIBUTE = StaleAwareAuthorizationFailureHandler.class.getName()
        + ".ACCESS_TOKEN";

    private final OAuth2AuthorizedClientService authorizedClientService;
    private final OAuth2AuthorizationFailureHandler remover;

    /** @param authorizedClientService where the authorized clients are stored */
    public StaleAwareAuthorizationFailureHandler(OAuth2AuthorizedClientService authorizedClientService) {
        this.authorizedClientService = Objects.requireNonNull(authorizedClientService,
            "authorizedClientService must not be null");
        this.remover = new RemoveAuthorizedClientOAuth2AuthorizationFailureHandler(
            (registrationId, principal, attributes) ->
                authorizedClientService.removeAuthorizedClient(registrationId, principal.getName()));
    }

    @Override
    public void onAuthorizationFailure(OAuth2AuthorizationException authorizationException, Authentication principal,
                                       Map<String, Object> attributes) {
        if (authorizationException instanceof ClientAuthorizationException clientException && principal != null) {
            String registrationId = clientException.getClientRegistrationId();
            byte[] used = usedToken(registrationId, principal.getName(), attributes);
            if (used != null) {
                OAuth2AuthorizedClient stored = authorizedClientService.loadAuthorizedClient(registrationId,
                    principal.getName());
                if (stored == null || !sameToken(stored.getAccessToken(), used)) {
                    return; // stale: the token that failed is no longer the stored one
                }
            }
        }
        remover.onAuthorizationFailure(authorizationException, principal, attributes);
    }

    /** @return the digest of the access token the failed request used, or null when nothing says */
    private static byte[] usedToken(String registrationId, String principalName, Map<String, Object> attributes) {
        byte[] fromThread = TokenRefreshOAuth2AuthorizedClientManager.takeHandedOut(registrationId, principalName);
        Object token = attributes == null ? null : attributes.get(ACCESS_TOKEN_ATTRIBUTE);
        if (token instanceof OAuth2AccessToken accessToken) {
            return TokenRefreshOAuth2AuthorizedClientManager.digest(accessToken);
        }
        Object client = attributes == null ? null : attributes.get(OAuth2AuthorizedClient.class.getName());
        if (client instanceof OAuth2AuthorizedClient authorizedClient) {
            return TokenRefreshOAuth2AuthorizedClientManager.digest(authorizedClient.getAccessToken());
        }
        return fromThread;
    }

    private static boolean sameToken(OAuth2AccessToken stored, byte[] used) {
        return stored != null
            && MessageDigest.isEqual(TokenRefreshOAuth2AuthorizedClientManager.digest(stored), used);
    }
}
