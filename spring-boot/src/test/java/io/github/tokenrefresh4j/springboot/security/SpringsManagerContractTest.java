package io.github.tokenrefresh4j.springboot.security;

import io.github.tokenrefresh4j.TokenRefreshRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.TestingAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.client.AuthorizedClientServiceOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ClientAuthorizationException;
import org.springframework.security.oauth2.client.InMemoryOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.InMemoryReactiveOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientProvider;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientProvider;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.InMemoryClientRegistrationRepository;
import org.springframework.security.oauth2.client.registration.InMemoryReactiveClientRegistrationRepository;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 22 #8: the wrappers keep the contract of Spring Security's managers. Each behaviour of Spring's own manager
 * tests (AuthorizedClientService(Reactive)OAuth2AuthorizedClientManagerTests) is run against Spring's manager and
 * against the wrapped one, and must come out the same: the answer, the exception's type and message, what is
 * stored and removed.
 */
class SpringsManagerContractTest {

    private static final ClientRegistration REGISTRATION = ClientRegistration.withRegistrationId("orders")
        .clientId("c").clientSecret("s").authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
        .tokenUri("http://127.0.0.1/token").build();
    private static final Authentication ALICE = new TestingAuthenticationToken("alice", null);

    private final InMemoryClientRegistrationRepository registrations = new InMemoryClientRegistrationRepository(
        REGISTRATION);
    private final InMemoryReactiveClientRegistrationRepository reactiveRegistrations =
        new InMemoryReactiveClientRegistrationRepository(REGISTRATION);

    /** Runs {@code behaviour} against Spring's manager and the wrapped one, each with a fresh store. */
    private void bothImperative(OAuth2AuthorizedClientProvider provider,
                                Function<Store, Object> behaviour) {
        Object plain = behaviour.apply(new Store(provider, false));
        Object wrapped = behaviour.apply(new Store(provider, true));
        assertThat(wrapped).isEqualTo(plain);
    }

    private final class Store {
        final InMemoryOAuth2AuthorizedClientService service = new InMemoryOAuth2AuthorizedClientService(registrations);
        final OAuth2AuthorizedClientManager manager;

        Store(OAuth2AuthorizedClientProvider provider, boolean wrapped) {
            AuthorizedClientServiceOAuth2AuthorizedClientManager spring =
                new AuthorizedClientServiceOAuth2AuthorizedClientManager(registrations, service);
            spring.setAuthorizedClientProvider(provider);
            manager = wrapped ? new TokenRefreshOAuth2AuthorizedClientManager(spring, TokenRefreshRegistry.ofDefaults())
                : spring;
        }

        /** What came out: the token value or the exception's type and message, and what is stored after. */
        String authorize(OAuth2AuthorizeRequest request) {
            String outcome;
            try {
                OAuth2AuthorizedClient client = manager.authorize(request);
                outcome = client == null ? "null" : client.getAccessToken().getTokenValue();
            } catch (RuntimeException e) {
                outcome = e.getClass().getName() + ": " + e.getMessage();
            }
            OAuth2AuthorizedClient stored = service.loadAuthorizedClient("orders", "alice");
            return outcome + " / stored " + (stored == null ? "none" : stored.getAccessToken().getTokenValue());
        }
    }

    @Test
    void authorizeNullThrowsTheSameIllegalArgumentExceptionAtOnce() {
        bothImperative(context -> null, store -> store.authorize(null));
        assertThatThrownBy(() -> new ReactiveTokenRefreshOAuth2AuthorizedClientManager(
            new AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager(reactiveRegistrations,
                new InMemoryReactiveOAuth2AuthorizedClientService(reactiveRegistrations)),
            TokenRefreshRegistry.ofDefaults()).authorize(null))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("authorizeRequest cannot be null");
    }

    @Test
    void anUnknownRegistrationFailsTheSame() {
        bothImperative(context -> null, store -> store.authorize(request("unknown")));
        bothReactive(context -> Mono.empty(), store -> store.authorize(request("unknown")));
    }

    @Test
    void notAuthorizedAndNothingStoredAnswersNullTheSame() {
        bothImperative(context -> null, store -> store.authorize(request("orders")));
        bothReactive(context -> Mono.empty(), store -> store.authorize(request("orders")));
    }

    @Test
    void anAuthorizedClientIsSavedTheSame() {
        bothImperative(context -> client("fresh"), store -> store.authorize(request("orders")));
        bothReactive(context -> Mono.just(client("fresh")), store -> store.authorize(request("orders")));
    }

    @Test
    void aStoredClientTheProviderKeepsIsAnsweredTheSame() {
        bothImperative(context -> null, store -> {
            store.service.saveAuthorizedClient(client("stored"), ALICE);
            return store.authorize(request("orders"));
        });
        bothReactive(context -> Mono.empty(), store -> {
            store.service.saveAuthorizedClient(client("stored"), ALICE).block(Duration.ofSeconds(5));
            return store.authorize(request("orders"));
        });
    }

    @Test
    void anInvalidGrantFailsAndRemovesTheStoredClientTheSame() {
        ClientAuthorizationException invalidGrant = new ClientAuthorizationException(
            new OAuth2Error(OAuth2ErrorCodes.INVALID_GRANT, "revoked", null), "orders");
        bothImperative(context -> {
            throw invalidGrant;
        }, store -> {
            store.service.saveAuthorizedClient(client("stored"), ALICE);
            return store.authorize(request("orders"));
        });
        bothReactive(context -> Mono.error(invalidGrant), store -> {
            store.service.saveAuthorizedClient(client("stored"), ALICE).block(Duration.ofSeconds(5));
            return store.authorize(request("orders"));
        });
    }

    @Test
    void reauthorizingAGivenClientIsAnsweredTheSame() {
        OAuth2AuthorizeRequest reauthorize = OAuth2AuthorizeRequest.withAuthorizedClient(client("given"))
            .principal(ALICE).build();
        bothImperative(context -> context.getAuthorizedClient() == null ? null : client("reauthorized"),
            store -> store.authorize(reauthorize));
        bothReactive(context -> context.getAuthorizedClient() == null ? Mono.empty()
            : Mono.just(client("reauthorized")), store -> store.authorize(reauthorize));
    }

    private void bothReactive(ReactiveOAuth2AuthorizedClientProvider provider,
                              Function<ReactiveStore, Object> behaviour) {
        Object plain = behaviour.apply(new ReactiveStore(provider, false));
        Object wrapped = behaviour.apply(new ReactiveStore(provider, true));
        assertThat(wrapped).isEqualTo(plain);
    }

    private final class ReactiveStore {
        final InMemoryReactiveOAuth2AuthorizedClientService service =
            new InMemoryReactiveOAuth2AuthorizedClientService(reactiveRegistrations);
        final ReactiveOAuth2AuthorizedClientManager manager;

        ReactiveStore(ReactiveOAuth2AuthorizedClientProvider provider, boolean wrapped) {
            AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager spring =
                new AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager(reactiveRegistrations, service);
            spring.setAuthorizedClientProvider(provider);
            manager = wrapped
                ? new ReactiveTokenRefreshOAuth2AuthorizedClientManager(spring, TokenRefreshRegistry.ofDefaults())
                : spring;
        }

        String authorize(OAuth2AuthorizeRequest request) {
            String outcome;
            try {
                OAuth2AuthorizedClient client = manager.authorize(request).block(Duration.ofSeconds(5));
                outcome = client == null ? "null" : client.getAccessToken().getTokenValue();
            } catch (RuntimeException e) {
                outcome = e.getClass().getName() + ": " + e.getMessage();
            }
            OAuth2AuthorizedClient stored = service.<OAuth2AuthorizedClient>loadAuthorizedClient("orders", "alice")
                .block(Duration.ofSeconds(5));
            return outcome + " / stored " + (stored == null ? "none" : stored.getAccessToken().getTokenValue());
        }
    }

    private static OAuth2AuthorizeRequest request(String registrationId) {
        return OAuth2AuthorizeRequest.withClientRegistrationId(registrationId).principal(ALICE).build();
    }

    private static OAuth2AuthorizedClient client(String token) {
        Instant now = Instant.now();
        return new OAuth2AuthorizedClient(REGISTRATION, "alice", new OAuth2AccessToken(
            OAuth2AccessToken.TokenType.BEARER, token, now, now.plusSeconds(3600)));
    }
}
