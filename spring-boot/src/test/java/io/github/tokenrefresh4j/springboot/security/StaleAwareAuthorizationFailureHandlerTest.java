package io.github.tokenrefresh4j.springboot.security;

import io.github.tokenrefresh4j.TokenRefreshRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.TestingAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.client.ClientAuthorizationException;
import org.springframework.security.oauth2.client.InMemoryOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.InMemoryClientRegistrationRepository;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;

import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The stale-401 rule: a 401 evicts the stored authorized client only if it still holds the token that failed. */
class StaleAwareAuthorizationFailureHandlerTest {

    private static final ClientRegistration REGISTRATION = ClientRegistration.withRegistrationId("orders")
        .clientId("c").clientSecret("s").authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
        .tokenUri("http://127.0.0.1/token").build();
    private static final Authentication ALICE = new TestingAuthenticationToken("alice", null);
    private static final ClientAuthorizationException INVALID_TOKEN = new ClientAuthorizationException(
        new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN), "orders");

    private final InMemoryOAuth2AuthorizedClientService clients =
        new InMemoryOAuth2AuthorizedClientService(new InMemoryClientRegistrationRepository(REGISTRATION));
    private final StaleAwareAuthorizationFailureHandler handler = new StaleAwareAuthorizationFailureHandler(clients);

    /** What another test's call on this thread was handed must not decide this test's removal. */
    @BeforeEach
    void forgetWhatThisThreadWasHanded() {
        TokenRefreshOAuth2AuthorizedClientManager.HANDED_OUT.remove();
    }

    @Test
    void aStale401LeavesTheFreshTokenStored() {
        OAuth2AuthorizedClient old = client("old");
        clients.saveAuthorizedClient(client("fresh"), ALICE);

        handler.onAuthorizationFailure(INVALID_TOKEN, ALICE,
            Map.of(StaleAwareAuthorizationFailureHandler.ACCESS_TOKEN_ATTRIBUTE, old.getAccessToken()));

        assertThat(stored()).isEqualTo("fresh");
    }

    @Test
    void a401OnTheStoredTokenRemovesIt() {
        OAuth2AuthorizedClient current = client("current");
        clients.saveAuthorizedClient(current, ALICE);

        handler.onAuthorizationFailure(INVALID_TOKEN, ALICE, Map.of(OAuth2AuthorizedClient.class.getName(), current));

        assertThat(clients.<OAuth2AuthorizedClient>loadAuthorizedClient("orders", "alice")).isNull();
    }

    @Test
    void theTokenHandedOutOnThisThreadDecidesForTheRestClientInterceptor() {
        OAuth2AuthorizedClient old = client("old");
        TokenRefreshOAuth2AuthorizedClientManager manager =
            TokenRefreshOAuth2AuthorizedClientManagerTest.byPrincipal(request -> old, TokenRefreshRegistry.ofDefaults());
        manager.authorize(OAuth2AuthorizeRequest.withClientRegistrationId("orders").principal(ALICE).build());
        clients.saveAuthorizedClient(client("fresh"), ALICE); // another call replaced it meanwhile

        handler.onAuthorizationFailure(INVALID_TOKEN, ALICE, Map.of());

        assertThat(stored()).isEqualTo("fresh");
    }

    @Test
    void whatThisThreadKeepsAfterAnAuthorizeHoldsNoTokenValueAndNoClassOfTheStarter() {
        TokenRefreshOAuth2AuthorizedClientManager manager = TokenRefreshOAuth2AuthorizedClientManagerTest.byPrincipal(
            request -> client("secret-token-value"), TokenRefreshRegistry.ofDefaults());
        manager.authorize(OAuth2AuthorizeRequest.withClientRegistrationId("orders").principal(ALICE).build());

        // A pool thread keeps this until its next authorize: it must pin no class loader and hold no token.
        Object kept = TokenRefreshOAuth2AuthorizedClientManager.HANDED_OUT.get();
        assertThat(kept.getClass().getClassLoader()).as("a JDK class").isNull();
        assertThat((Object[]) kept).allSatisfy(part -> {
            assertThat(part.getClass().getClassLoader()).as("a JDK class").isNull();
            assertThat(part).isNotEqualTo("secret-token-value");
        });
        assertThat(Arrays.deepToString((Object[]) kept)).doesNotContain("secret-token-value");
    }

    @Test
    void aFailedAuthorizeForgetsTheTokenThisThreadWasHandedBefore() {
        ClientAuthorizationException invalidGrant = new ClientAuthorizationException(
            new OAuth2Error(OAuth2ErrorCodes.INVALID_GRANT), "orders");
        AtomicInteger calls = new AtomicInteger();
        TokenRefreshOAuth2AuthorizedClientManager manager = TokenRefreshOAuth2AuthorizedClientManagerTest.byPrincipal(request -> {
            if (calls.incrementAndGet() == 1) {
                return client("old");
            }
            throw invalidGrant; // the stored client's refresh token was revoked
        }, TokenRefreshRegistry.ofDefaults());
        OAuth2AuthorizeRequest request = OAuth2AuthorizeRequest.withClientRegistrationId("orders").principal(ALICE)
            .build();
        manager.authorize(request);
        clients.saveAuthorizedClient(client("expired"), ALICE); // refreshed elsewhere, since expired
        assertThatThrownBy(() -> manager.authorize(request)).isSameAs(invalidGrant);

        handler.onAuthorizationFailure(invalidGrant, ALICE, Map.of());

        assertThat(clients.<OAuth2AuthorizedClient>loadAuthorizedClient("orders", "alice")).isNull();
    }

    @Test
    void withoutKnowingTheFailedTokenItRemovesAsSpringSecurityDoes() {
        clients.saveAuthorizedClient(client("current"), ALICE);

        handler.onAuthorizationFailure(INVALID_TOKEN, ALICE, Map.of());

        assertThat(clients.<OAuth2AuthorizedClient>loadAuthorizedClient("orders", "alice")).isNull();
    }

    private String stored() {
        return clients.<OAuth2AuthorizedClient>loadAuthorizedClient("orders", "alice").getAccessToken()
            .getTokenValue();
    }

    private static OAuth2AuthorizedClient client(String token) {
        Instant now = Instant.now();
        return new OAuth2AuthorizedClient(REGISTRATION, "alice", new OAuth2AccessToken(
            OAuth2AccessToken.TokenType.BEARER, token, now, now.plusSeconds(3600)));
    }
}
