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
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.JdkClientHttpConnector;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The storms, shared by the application with the starter and the plain Spring Security one: {@value #CALLERS}
 * concurrent calls ({@link Storm}) through Spring Security's interceptor (RestClient, RestTemplate) or WebClient
 * filter functions (servlet, on Reactor Netty or the JDK client; reactive manager), all released at once by a
 * barrier, counting the token requests the authorization server received. Each client path has its own client
 * registration, so its meters are its own. A storm at cold start has no authorized client; a storm after expiry
 * finds the stored access token expired.
 */
@SpringBootTest(classes = StormApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class Storms {

    public static final int CALLERS = Storm.CALLERS;

    /** The principal Spring Security uses for calls made outside any authentication. */
    public static final Authentication ANONYMOUS = new AnonymousAuthenticationToken("anonymous", "anonymousUser",
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
        return Storm.run(() -> client.get().uri("/api/ping")
            .attributes(RequestAttributeClientRegistrationIdResolver.clientRegistrationId("storm-rest"))
            .retrieve().body(String.class));
    }

    /** @return the token requests of a RestTemplate storm through {@link OAuth2ClientHttpRequestInterceptor} */
    protected long restTemplateStorm() throws Exception {
        OAuth2ClientHttpRequestInterceptor oauth2 = new OAuth2ClientHttpRequestInterceptor(authorizedClientManager);
        oauth2.setClientRegistrationIdResolver(request -> "storm-resttemplate");
        RestTemplate template = new RestTemplate();
        template.getInterceptors().add(oauth2);
        String url = "http://127.0.0.1:" + port + "/api/ping";
        return Storm.run(() -> template.getForObject(url, String.class));
    }

    /**
     * @return the token requests of a WebClient storm on Reactor Netty through the servlet filter function
     *     (imperative manager), registration {@code storm-webclient}
     */
    protected long webClientStorm() throws Exception {
        return Storm.run(webClientCall(new ReactorClientHttpConnector(), "storm-webclient", Duration.ofSeconds(60)));
    }

    /** @return the same on the JDK {@code HttpClient} ({@link JdkClientHttpConnector}), {@code storm-webclient-jdk} */
    protected long jdkWebClientStorm() throws Exception {
        return Storm.run(webClientCall(new JdkClientHttpConnector(), "storm-webclient-jdk", Duration.ofSeconds(60)));
    }

    /** One call of a servlet WebClient storm: Spring's servlet filter function calls the manager on boundedElastic. */
    protected Callable<String> webClientCall(ClientHttpConnector connector, String registrationId, Duration bound) {
        ServletOAuth2AuthorizedClientExchangeFilterFunction oauth2 =
            new ServletOAuth2AuthorizedClientExchangeFilterFunction(authorizedClientManager);
        oauth2.setDefaultClientRegistrationId(registrationId);
        WebClient client = WebClient.builder().baseUrl("http://127.0.0.1:" + port).clientConnector(connector)
            .filter(oauth2).build();
        return () -> client.get().uri("/api/ping").retrieve().bodyToMono(String.class).block(bound);
    }

    /** @return the token requests of a WebClient storm through the reactive filter function (reactive manager) */
    protected long reactiveWebClientStorm() throws Exception {
        ServerOAuth2AuthorizedClientExchangeFilterFunction oauth2 =
            new ServerOAuth2AuthorizedClientExchangeFilterFunction(reactiveAuthorizedClientManager);
        oauth2.setDefaultClientRegistrationId("storm-reactive");
        WebClient client = WebClient.builder().baseUrl("http://127.0.0.1:" + port).filter(oauth2).build();
        return Storm.run(() -> client.get().uri("/api/ping").retrieve().bodyToMono(String.class)
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

    /** @return a copy of {@code client} whose access token expired an hour ago */
    public static OAuth2AuthorizedClient expired(OAuth2AuthorizedClient client) {
        Instant now = Instant.now();
        OAuth2AccessToken token = client.getAccessToken();
        return new OAuth2AuthorizedClient(client.getClientRegistration(), client.getPrincipalName(),
            new OAuth2AccessToken(token.getTokenType(), token.getTokenValue(), now.minus(Duration.ofHours(2)),
                now.minus(Duration.ofHours(1)), token.getScopes()));
    }
}
