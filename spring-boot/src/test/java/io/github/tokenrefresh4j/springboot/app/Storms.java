package io.github.tokenrefresh4j.springboot.app;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.web.client.OAuth2ClientHttpRequestInterceptor;
import org.springframework.security.oauth2.client.web.client.RequestAttributeClientRegistrationIdResolver;
import org.springframework.security.oauth2.client.web.reactive.function.client.ServerOAuth2AuthorizedClientExchangeFilterFunction;
import org.springframework.security.oauth2.client.web.reactive.function.client.ServletOAuth2AuthorizedClientExchangeFilterFunction;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The storm, shared by the application with the starter and the plain Spring Security one: {@value #CALLERS}
 * concurrent calls through Spring Security's RestClient interceptor or WebClient filter functions, all released at
 * once by a barrier, counting the token requests the authorization server received. A storm at cold start has no
 * authorized client; a storm after expiry finds the stored access token expired.
 */
@SpringBootTest(classes = StormApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class Storms {

    public static final int CALLERS = 64;

    /** The principal Spring Security uses for calls made outside any authentication. */
    private static final Authentication ANONYMOUS = new AnonymousAuthenticationToken("anonymous", "anonymousUser",
        AuthorityUtils.createAuthorityList("ROLE_ANONYMOUS"));

    @LocalServerPort
    protected int port;

    @Autowired
    protected OAuth2AuthorizedClientManager authorizedClientManager;

    @Autowired
    protected ReactiveOAuth2AuthorizedClientManager reactiveAuthorizedClientManager;

    @Autowired
    protected OAuth2AuthorizedClientService authorizedClientService;

    @Autowired
    protected ReactiveOAuth2AuthorizedClientService reactiveAuthorizedClientService;

    @DynamicPropertySource
    static void authorizationServer(DynamicPropertyRegistry registry) {
        registry.add("spring.security.oauth2.client.provider.mock.token-uri", AuthorizationServer.get()::tokenUri);
    }

    /** @return the token requests of a RestClient storm through {@link OAuth2ClientHttpRequestInterceptor} */
    protected long restClientStorm() throws Exception {
        RestClient client = RestClient.builder()
            .baseUrl("http://127.0.0.1:" + port)
            .requestInterceptor(new OAuth2ClientHttpRequestInterceptor(authorizedClientManager))
            .build();
        return storm(() -> client.get().uri("/api/ping")
            .attributes(RequestAttributeClientRegistrationIdResolver.clientRegistrationId("storm-rest"))
            .retrieve().body(String.class));
    }

    /** @return the token requests of a WebClient storm through the servlet filter function (imperative manager) */
    protected long webClientStorm() throws Exception {
        ServletOAuth2AuthorizedClientExchangeFilterFunction oauth2 =
            new ServletOAuth2AuthorizedClientExchangeFilterFunction(authorizedClientManager);
        oauth2.setDefaultClientRegistrationId("storm-webclient");
        WebClient client = WebClient.builder().baseUrl("http://127.0.0.1:" + port).filter(oauth2).build();
        return storm(() -> client.get().uri("/api/ping").retrieve().bodyToMono(String.class)
            .block(Duration.ofSeconds(60)));
    }

    /** @return the token requests of a WebClient storm through the reactive filter function (reactive manager) */
    protected long reactiveWebClientStorm() throws Exception {
        ServerOAuth2AuthorizedClientExchangeFilterFunction oauth2 =
            new ServerOAuth2AuthorizedClientExchangeFilterFunction(reactiveAuthorizedClientManager);
        oauth2.setDefaultClientRegistrationId("storm-reactive");
        WebClient client = WebClient.builder().baseUrl("http://127.0.0.1:" + port).filter(oauth2).build();
        return storm(() -> client.get().uri("/api/ping").retrieve().bodyToMono(String.class)
            .block(Duration.ofSeconds(60)));
    }

    /** Replaces the stored authorized client of {@code registrationId} with one whose access token expired. */
    protected void expire(String registrationId) {
        OAuth2AuthorizedClient stored = authorizedClientService.loadAuthorizedClient(registrationId,
            ANONYMOUS.getName());
        assertThat(stored).as("stored authorized client of " + registrationId).isNotNull();
        authorizedClientService.saveAuthorizedClient(expired(stored), ANONYMOUS);
    }

    /** The same for the reactive authorized-client service. */
    protected void expireReactive(String registrationId) {
        OAuth2AuthorizedClient stored = reactiveAuthorizedClientService
            .<OAuth2AuthorizedClient>loadAuthorizedClient(registrationId, ANONYMOUS.getName()).block();
        assertThat(stored).as("stored authorized client of " + registrationId).isNotNull();
        reactiveAuthorizedClientService.saveAuthorizedClient(expired(stored), ANONYMOUS).block();
    }

    private static OAuth2AuthorizedClient expired(OAuth2AuthorizedClient client) {
        Instant now = Instant.now();
        OAuth2AccessToken token = client.getAccessToken();
        return new OAuth2AuthorizedClient(client.getClientRegistration(), client.getPrincipalName(),
            new OAuth2AccessToken(token.getTokenType(), token.getTokenValue(), now.minus(Duration.ofHours(2)),
                now.minus(Duration.ofHours(1)), token.getScopes()));
    }

    private static long storm(Callable<String> call) throws Exception {
        AuthorizationServer server = AuthorizationServer.get();
        long before = server.tokenRequests();
        CyclicBarrier start = new CyclicBarrier(CALLERS);
        ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++) {
                answers.add(callers.submit(() -> {
                    start.await(60, TimeUnit.SECONDS);
                    return call.call();
                }));
            }
            for (Future<String> answer : answers) {
                assertThat(answer.get(120, TimeUnit.SECONDS)).isEqualTo("pong");
            }
        } finally {
            callers.shutdownNow();
        }
        return server.tokenRequests() - before;
    }
}
