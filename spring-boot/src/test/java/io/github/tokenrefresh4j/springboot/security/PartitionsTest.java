package io.github.tokenrefresh4j.springboot.security;

import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.authentication.TestingAuthenticationToken;
import org.springframework.security.oauth2.client.AuthorizedClientServiceOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.InMemoryOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.InMemoryReactiveOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.InMemoryClientRegistrationRepository;
import org.springframework.security.oauth2.client.registration.InMemoryReactiveClientRegistrationRepository;
import org.springframework.security.oauth2.client.web.AuthenticatedPrincipalOAuth2AuthorizedClientRepository;
import org.springframework.security.oauth2.client.web.DefaultOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.web.DefaultReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.web.HttpSessionOAuth2AuthorizedClientRepository;
import org.springframework.security.oauth2.client.web.OAuth2AuthorizedClientRepository;
import org.springframework.security.oauth2.client.web.server.WebSessionServerOAuth2AuthorizedClientRepository;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebSession;
import org.springframework.web.server.session.InMemoryWebSessionStore;
import reactor.util.context.Context;

import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/** Which calls may share a token request, per manager, repository and context-attributes mapper (issue 25 #1). */
class PartitionsTest {

    private static final ClientRegistration REGISTRATION = ClientRegistration.withRegistrationId("orders")
        .clientId("c").clientSecret("s").authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
        .tokenUri("http://127.0.0.1/token").build();
    private final InMemoryClientRegistrationRepository registrations =
        new InMemoryClientRegistrationRepository(REGISTRATION);
    private final InMemoryReactiveClientRegistrationRepository reactiveRegistrations =
        new InMemoryReactiveClientRegistrationRepository(REGISTRATION);

    @Test
    void theServiceManagersShareByPrincipal() {
        assertThat(Partitions.of(new AuthorizedClientServiceOAuth2AuthorizedClientManager(registrations,
            new InMemoryOAuth2AuthorizedClientService(registrations))).apply(request(Map.of())))
            .isSameAs(Partitions.BY_PRINCIPAL);
        assertThat(ReactivePartitions.of(new AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager(
                reactiveRegistrations, new InMemoryReactiveOAuth2AuthorizedClientService(reactiveRegistrations)))
            .partition(request(Map.of()), Context.empty()).block(Duration.ofSeconds(5)))
            .isSameAs(Partitions.BY_PRINCIPAL);
    }

    @Test
    void theDefaultManagerOnSpringsSessionRepositoriesSharesWithinOneSessionAndScopeParameter() {
        for (OAuth2AuthorizedClientRepository repository : new OAuth2AuthorizedClientRepository[] {
            new HttpSessionOAuth2AuthorizedClientRepository(),
            new AuthenticatedPrincipalOAuth2AuthorizedClientRepository(
                new InMemoryOAuth2AuthorizedClientService(registrations))}) {
            Function<OAuth2AuthorizeRequest, Object> partitions =
                Partitions.of(new DefaultOAuth2AuthorizedClientManager(registrations, repository));
            MockHttpSession alice = new MockHttpSession();
            MockHttpSession bob = new MockHttpSession();

            assertThat(partitions.apply(servlet(alice, null))).isEqualTo(partitions.apply(servlet(alice, null)));
            assertThat(partitions.apply(servlet(alice, "read"))).isEqualTo(partitions.apply(servlet(alice, "read")));
            assertThat(partitions.apply(servlet(alice, null))).isNotEqualTo(partitions.apply(servlet(bob, null)));
            // Spring's default context-attributes mapper reads the scope request parameter
            assertThat(partitions.apply(servlet(alice, "read"))).isNotEqualTo(partitions.apply(servlet(alice, "write")));
            // no session yet: Spring creates one per request
            assertThat(partitions.apply(servlet(null, null))).isNotEqualTo(partitions.apply(servlet(null, null)));
            // outside any request
            assertThat(partitions.apply(request(Map.of()))).isNotEqualTo(partitions.apply(request(Map.of())));
        }
    }

    @Test
    void aRepositoryOrMapperTheStarterCannotReasonAboutNeverSharesAcrossRequests() {
        MockHttpSession session = new MockHttpSession();
        OAuth2AuthorizedClientRepository custom = mock(OAuth2AuthorizedClientRepository.class);
        AuthenticatedPrincipalOAuth2AuthorizedClientRepository customAnonymous =
            new AuthenticatedPrincipalOAuth2AuthorizedClientRepository(
                new InMemoryOAuth2AuthorizedClientService(registrations));
        customAnonymous.setAnonymousAuthorizedClientRepository(custom);
        DefaultOAuth2AuthorizedClientManager customMapper =
            new DefaultOAuth2AuthorizedClientManager(registrations, new HttpSessionOAuth2AuthorizedClientRepository());
        customMapper.setContextAttributesMapper(request -> Map.of());

        for (Function<OAuth2AuthorizeRequest, Object> partitions : java.util.List.of(
            Partitions.of(new DefaultOAuth2AuthorizedClientManager(registrations, custom)),
            Partitions.of(new DefaultOAuth2AuthorizedClientManager(registrations, customAnonymous)),
            Partitions.of(customMapper),
            Partitions.of(request -> null))) {
            OAuth2AuthorizeRequest one = servlet(session, null);
            assertThat(partitions.apply(one)).isEqualTo(partitions.apply(one)); // the same request
            assertThat(partitions.apply(one)).isNotEqualTo(partitions.apply(servlet(session, null)));
            assertThat(partitions.apply(request(Map.of()))).isNotEqualTo(partitions.apply(request(Map.of())));
        }
    }

    @Test
    void theReactiveDefaultManagerSharesWithinOneWebSessionAndScopeParameterOnly() {
        ReactivePartitions.ReactivePartitioner partitions = ReactivePartitions.of(
            new DefaultReactiveOAuth2AuthorizedClientManager(reactiveRegistrations,
                new WebSessionServerOAuth2AuthorizedClientRepository()));
        InMemoryWebSessionStore store = new InMemoryWebSessionStore();
        WebSession alice = store.createWebSession().block(Duration.ofSeconds(5));
        WebSession bob = store.createWebSession().block(Duration.ofSeconds(5));
        alice.start(); // returning visitors: their sessions were saved
        bob.start();

        assertThat(partition(partitions, exchange(alice, "/"))).isEqualTo(partition(partitions, exchange(alice, "/")));
        assertThat(partition(partitions, exchange(alice, "/"))).isNotEqualTo(partition(partitions, exchange(bob, "/")));
        assertThat(partition(partitions, exchange(alice, "/?scope=read")))
            .isNotEqualTo(partition(partitions, exchange(alice, "/?scope=write")));
        // the exchange from the subscriber's context, as Spring's filter function puts it there
        ServerWebExchange fromContext = exchange(alice, "/");
        assertThat(partitions.partition(request(Map.of()), Context.of(ServerWebExchange.class, fromContext))
            .block(Duration.ofSeconds(5))).isEqualTo(partition(partitions, exchange(alice, "/")));

        ReactivePartitions.ReactivePartitioner custom = ReactivePartitions.of(
            new DefaultReactiveOAuth2AuthorizedClientManager(reactiveRegistrations,
                mock(org.springframework.security.oauth2.client.web.server.ServerOAuth2AuthorizedClientRepository.class)));
        assertThat(partition(custom, exchange(alice, "/"))).isNotEqualTo(partition(custom, exchange(alice, "/")));
    }

    @Test
    void aWebSessionNotYetStartedIsItsExchangesOwnPartitionAndKeepsNoCooldown() {
        ReactivePartitions.ReactivePartitioner partitions = ReactivePartitions.of(
            new DefaultReactiveOAuth2AuthorizedClientManager(reactiveRegistrations,
                new WebSessionServerOAuth2AuthorizedClientRepository()));
        // a first visit: the exchange's new session is never saved unless started, so its id never comes back
        WebSession unsaved = new InMemoryWebSessionStore().createWebSession().block(Duration.ofSeconds(5));
        ServerWebExchange firstVisit = exchange(unsaved, "/");
        Object partition = partition(partitions, firstVisit);
        assertThat(partition).isEqualTo(partition(partitions, firstVisit)); // still shared within the exchange

        Cooldowns cooldowns = new Cooldowns();
        cooldowns.ended(new Flights.Key("orders", "anonymousUser", null, Map.of(), partition),
            new org.springframework.security.oauth2.client.ClientAuthorizationException(
                new org.springframework.security.oauth2.core.OAuth2Error("invalid_token_response"), "orders", "503"),
            io.github.resilience4j.core.IntervalFunction.of(Duration.ofSeconds(30)), java.time.Instant.now());
        assertThat(cooldowns.size()).as("cooldown entries kept for a session that never comes back").isZero();
    }

    private static Object partition(ReactivePartitions.ReactivePartitioner partitions, ServerWebExchange exchange) {
        return partitions.partition(request(Map.of(ServerWebExchange.class.getName(), exchange)), Context.empty())
            .block(Duration.ofSeconds(5));
    }

    private static ServerWebExchange exchange(WebSession session, String uri) {
        return MockServerWebExchange.builder(MockServerHttpRequest.get(uri)).session(session).build();
    }

    private static OAuth2AuthorizeRequest servlet(MockHttpSession session, String scope) {
        MockHttpServletRequest request = new MockHttpServletRequest();
        request.setSession(session);
        if (scope != null) {
            request.setParameter("scope", scope);
        }
        return request(Map.of(HttpServletRequest.class.getName(), request));
    }

    private static OAuth2AuthorizeRequest request(Map<String, Object> attributes) {
        return OAuth2AuthorizeRequest.withClientRegistrationId("orders")
            .principal(new TestingAuthenticationToken("anonymousUser", null))
            .attributes(a -> a.putAll(attributes)).build();
    }
}
