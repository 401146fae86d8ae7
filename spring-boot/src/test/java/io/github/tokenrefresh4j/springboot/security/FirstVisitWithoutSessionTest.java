package io.github.tokenrefresh4j.springboot.security;

import io.github.tokenrefresh4j.TokenRefreshRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.oauth2.client.InMemoryReactiveOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.InMemoryReactiveClientRegistrationRepository;
import org.springframework.security.oauth2.client.web.DefaultReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.web.server.AuthenticatedPrincipalServerOAuth2AuthorizedClientRepository;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two anonymous visitors on their first visit, whose {@code WebSession} the exchange creates lazily (no session
 * cookie yet): their overlapping calls must not share one token request, as each new session is its own.
 */
class FirstVisitWithoutSessionTest {

    private static final ClientRegistration REGISTRATION = ClientRegistration.withRegistrationId("visitors")
        .clientId("c").clientSecret("s").authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
        .tokenUri("http://127.0.0.1/token").build();
    private static final AnonymousAuthenticationToken ANONYMOUS = new AnonymousAuthenticationToken("key",
        "anonymousUser", AuthorityUtils.createAuthorityList("ROLE_ANONYMOUS"));

    @Test
    void visitorsWhoseWebSessionsAreCreatedLazilyDoNotShareATokenRequest() throws Exception {
        InMemoryReactiveClientRegistrationRepository registrations =
            new InMemoryReactiveClientRegistrationRepository(REGISTRATION);
        DefaultReactiveOAuth2AuthorizedClientManager spring = new DefaultReactiveOAuth2AuthorizedClientManager(
            registrations, new AuthenticatedPrincipalServerOAuth2AuthorizedClientRepository(
                new InMemoryReactiveOAuth2AuthorizedClientService(registrations)));
        AtomicInteger tokenRequests = new AtomicInteger();
        Sinks.One<Boolean> answer = Sinks.one();
        spring.setAuthorizedClientProvider(context -> {
            int n = tokenRequests.incrementAndGet();
            return answer.asMono().map(go -> new OAuth2AuthorizedClient(context.getClientRegistration(),
                context.getPrincipal().getName(), new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER,
                "visitor-" + n, Instant.now(), Instant.now().plusSeconds(300))));
        });
        ReactiveTokenRefreshOAuth2AuthorizedClientManager manager =
            new ReactiveTokenRefreshOAuth2AuthorizedClientManager(spring, TokenRefreshRegistry.ofDefaults());

        CompletableFuture<OAuth2AuthorizedClient> first = firstVisit(manager);
        await().atMost(30, TimeUnit.SECONDS).until(() -> tokenRequests.get() == 1);
        CompletableFuture<OAuth2AuthorizedClient> second = firstVisit(manager);
        await().atMost(30, TimeUnit.SECONDS).until(() -> tokenRequests.get() == 2);
        answer.tryEmitValue(true);

        assertThat(first.get(30, TimeUnit.SECONDS).getAccessToken().getTokenValue()).isEqualTo("visitor-1");
        assertThat(second.get(30, TimeUnit.SECONDS).getAccessToken().getTokenValue()).isEqualTo("visitor-2");
    }

    private static CompletableFuture<OAuth2AuthorizedClient> firstVisit(
        ReactiveTokenRefreshOAuth2AuthorizedClientManager manager) {
        ServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/page")); // no cookie
        return manager.authorize(OAuth2AuthorizeRequest.withClientRegistrationId("visitors").principal(ANONYMOUS)
                .attribute(ServerWebExchange.class.getName(), exchange).build())
            .timeout(Duration.ofSeconds(60), Mono.empty()).toFuture();
    }
}
