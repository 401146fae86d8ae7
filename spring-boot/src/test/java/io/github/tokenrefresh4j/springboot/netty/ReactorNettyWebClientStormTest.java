package io.github.tokenrefresh4j.springboot.netty;

import io.github.tokenrefresh4j.springboot.app.AuthorizationServer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientService;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.client.web.reactive.function.client.ServletOAuth2AuthorizedClientExchangeFilterFunction;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.reactive.function.client.WebClient;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 22 #2: 64 concurrent calls through WebClient on Reactor Netty and Spring's servlet filter function, which
 * calls the manager on Reactor's {@code boundedElastic} pool (10 threads per core). The starter's manager sends
 * its token request without that pool, so the callers waiting on it cannot starve the token request: one token
 * request, every call answered, none after a refresh timeout.
 */
@SpringBootTest(classes = ReactorNettyStormApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "spring.security.oauth2.client.registration.storm-netty.client-id=storm",
        "spring.security.oauth2.client.registration.storm-netty.client-secret=secret",
        "spring.security.oauth2.client.registration.storm-netty.authorization-grant-type=client_credentials",
        "spring.security.oauth2.client.registration.storm-netty.provider=mock",
        "tokenrefresh4j.instances.storm-netty.refresh-timeout=10s"})
class ReactorNettyWebClientStormTest {

    private static final int CALLERS = 64;

    @LocalServerPort
    int port;

    private static final Authentication ANONYMOUS = new AnonymousAuthenticationToken("anonymous", "anonymousUser",
        AuthorityUtils.createAuthorityList("ROLE_ANONYMOUS"));

    @Autowired
    OAuth2AuthorizedClientManager authorizedClientManager;

    @Autowired
    OAuth2AuthorizedClientService authorizedClientService;

    @DynamicPropertySource
    static void authorizationServer(DynamicPropertyRegistry registry) {
        registry.add("spring.security.oauth2.client.provider.mock.token-uri", AuthorizationServer.get()::tokenUri);
    }

    @Test
    void servletWebClientStormsOnReactorNettyMakeOneTokenRequestAndAnswerEveryCall() throws Exception {
        ServletOAuth2AuthorizedClientExchangeFilterFunction oauth2 =
            new ServletOAuth2AuthorizedClientExchangeFilterFunction(authorizedClientManager);
        oauth2.setDefaultClientRegistrationId("storm-netty");
        WebClient client = WebClient.builder().clientConnector(new ReactorClientHttpConnector())
            .baseUrl("http://127.0.0.1:" + port).filter(oauth2).build();

        assertThat(storm(client, "cold start")).isEqualTo(1);
        expire();
        assertThat(storm(client, "after expiry")).isEqualTo(1);
    }

    /** Replaces the stored authorized client with one whose access token expired an hour ago. */
    private void expire() {
        OAuth2AuthorizedClient stored = authorizedClientService.loadAuthorizedClient("storm-netty", "anonymousUser");
        assertThat(stored).isNotNull();
        Instant now = Instant.now();
        OAuth2AccessToken token = stored.getAccessToken();
        authorizedClientService.saveAuthorizedClient(new OAuth2AuthorizedClient(stored.getClientRegistration(),
            stored.getPrincipalName(), new OAuth2AccessToken(token.getTokenType(), token.getTokenValue(),
                now.minus(Duration.ofHours(2)), now.minus(Duration.ofHours(1)))), ANONYMOUS);
    }

    private long storm(WebClient client, String when) throws Exception {
        long before = AuthorizationServer.get().tokenRequests();
        long started = System.nanoTime();
        CyclicBarrier start = new CyclicBarrier(CALLERS);
        ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++) {
                answers.add(callers.submit(() -> {
                    start.await(60, TimeUnit.SECONDS);
                    return client.get().uri("/api/ping").retrieve().bodyToMono(String.class)
                        .block(Duration.ofSeconds(60));
                }));
            }
            for (Future<String> answer : answers) {
                assertThat(answer.get(120, TimeUnit.SECONDS)).isEqualTo("pong");
            }
        } finally {
            callers.shutdownNow();
        }
        System.out.println("STORM servlet WebClient on Reactor Netty, " + when + ": " + CALLERS + " calls in "
            + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms, "
            + (AuthorizationServer.get().tokenRequests() - before) + " token requests");
        return AuthorizationServer.get().tokenRequests() - before;
    }
}
