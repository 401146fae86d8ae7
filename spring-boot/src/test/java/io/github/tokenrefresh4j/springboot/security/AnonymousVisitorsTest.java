package io.github.tokenrefresh4j.springboot.security;

import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.TokenRequest;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.springboot.app.AuthorizationServer;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.MockWebServerWrapper;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.oauth2.client.InMemoryOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.InMemoryReactiveOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientProviderBuilder;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientProviderBuilder;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.InMemoryClientRegistrationRepository;
import org.springframework.security.oauth2.client.registration.InMemoryReactiveClientRegistrationRepository;
import org.springframework.security.oauth2.client.web.AuthenticatedPrincipalOAuth2AuthorizedClientRepository;
import org.springframework.security.oauth2.client.web.DefaultOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.web.DefaultReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.web.OAuth2AuthorizedClientRepository;
import org.springframework.security.oauth2.client.web.server.AuthenticatedPrincipalServerOAuth2AuthorizedClientRepository;
import org.springframework.security.oauth2.client.web.server.ServerOAuth2AuthorizedClientRepository;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebSession;
import org.springframework.web.server.session.InMemoryWebSessionStore;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 25, finding 1, tested the way it was found: anonymous visitors (every one's principal is
 * {@code anonymousUser}), each with the authorized client Spring's default repository keeps in the visitor's own
 * session, whose access tokens expired; a storm of overlapping calls per visitor through the wrapped
 * {@code Default(Reactive)OAuth2AuthorizedClientManager}, whose refresh-token grants reach a real token endpoint
 * (mock-oauth2-server, on loopback). The endpoint issues each refresh token an access token whose subject is that
 * refresh token, and holds every token request until each visitor's has arrived and every caller is parked, so
 * the calls of all visitors overlap. Each visitor must be handed only its own token, and the calls of one session
 * still share one token request.
 */
class AnonymousVisitorsTest {

    private static final int VISITORS = 4;
    private static final int CALLS_PER_VISITOR = 8;
    private static final int CALLS = VISITORS * CALLS_PER_VISITOR;
    private static final String ISSUER = "visitors";
    private static final Authentication ANONYMOUS = new AnonymousAuthenticationToken("key", "anonymousUser",
        AuthorityUtils.createAuthorityList("ROLE_ANONYMOUS"));

    private final Set<TokenRequest> tokenRequests = Collections.synchronizedSet(
        Collections.newSetFromMap(new IdentityHashMap<>()));
    private final CountDownLatch release = new CountDownLatch(1);
    private final MockOAuth2Server server = new MockOAuth2Server(new OAuth2Config(false, null, null, false,
        new OAuth2TokenProvider(), Set.of(new SubjectIsTheRefreshToken()), new MockWebServerWrapper()));
    private final List<Thread> callers = Collections.synchronizedList(new ArrayList<>());
    private final ExecutorService threads = Executors.newFixedThreadPool(CALLS);
    private final List<String> refreshTokens = new ArrayList<>();
    private ClientRegistration registration;

    @BeforeEach
    void startTheTokenEndpoint() throws Exception {
        server.start(InetAddress.getLoopbackAddress(), 0);
        registration = ClientRegistration.withRegistrationId("visitors")
            .clientId("web").clientSecret("secret")
            .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
            .redirectUri("http://127.0.0.1/login/oauth2/code/visitors")
            .authorizationUri("http://127.0.0.1/authorize")
            .tokenUri(server.baseUrl().newBuilder().host("127.0.0.1").build().resolve(ISSUER + "/token").toString())
            .build();
        for (int v = 0; v < VISITORS; v++) {
            refreshTokens.add(refreshTokenFromTheAuthorizationCodeGrant());
        }
    }

    /** The server refreshes only the refresh tokens it issued: one per visitor, from a code grant. */
    private String refreshTokenFromTheAuthorizationCodeGrant() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String redirectUri = "http://127.0.0.1/callback";
        HttpResponse<Void> authorized = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                .newBuilder().host("127.0.0.1").build().resolve(ISSUER + "/authorize").newBuilder()
                .addQueryParameter("client_id", "web").addQueryParameter("response_type", "code")
                .addQueryParameter("redirect_uri", redirectUri).addQueryParameter("scope", "openid")
                .addQueryParameter("state", "s").addQueryParameter("nonce", "n").build().toString())).build(),
            HttpResponse.BodyHandlers.discarding());
        String location = authorized.headers().firstValue("Location").orElseThrow();
        String code = okhttp3.HttpUrl.get(location).queryParameter("code");
        HttpResponse<String> tokens = http.send(HttpRequest.newBuilder(URI.create(registration.getProviderDetails()
                .getTokenUri()))
            .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString("web:secret".getBytes()))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("grant_type=authorization_code&code=" + code
                + "&redirect_uri=" + java.net.URLEncoder.encode(redirectUri, java.nio.charset.StandardCharsets.UTF_8)))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(tokens.statusCode()).as(tokens.body()).isEqualTo(200);
        return (String) com.nimbusds.jose.util.JSONObjectUtils.parse(tokens.body()).get("refresh_token");
    }

    @AfterEach
    void stop() {
        release.countDown();
        threads.shutdownNow();
        server.shutdown();
    }

    @Test
    void servletVisitorsWithTheirOwnSessionsAreEachHandedOnlyTheirOwnToken() throws Exception {
        OAuth2AuthorizedClientRepository repository = new AuthenticatedPrincipalOAuth2AuthorizedClientRepository(
            new InMemoryOAuth2AuthorizedClientService(new InMemoryClientRegistrationRepository(registration)));
        DefaultOAuth2AuthorizedClientManager spring = new DefaultOAuth2AuthorizedClientManager(
            new InMemoryClientRegistrationRepository(registration), repository);
        spring.setAuthorizedClientProvider(OAuth2AuthorizedClientProviderBuilder.builder().refreshToken().build());
        OAuth2AuthorizedClientManager manager =
            new TokenRefreshOAuth2AuthorizedClientManager(spring, patientRegistry());

        List<MockHttpSession> sessions = new ArrayList<>();
        for (int v = 0; v < VISITORS; v++) {
            MockHttpSession session = new MockHttpSession();
            MockHttpServletRequest request = new MockHttpServletRequest();
            request.setSession(session);
            repository.saveAuthorizedClient(expiredClient(v), ANONYMOUS, request, new MockHttpServletResponse());
            sessions.add(session);
        }

        List<List<OAuth2AuthorizedClient>> handed = storm(visitor -> () -> {
            MockHttpServletRequest request = new MockHttpServletRequest("GET", "/page");
            request.setSession(sessions.get(visitor));
            return manager.authorize(OAuth2AuthorizeRequest.withClientRegistrationId("visitors").principal(ANONYMOUS)
                .attributes(attributes -> {
                    attributes.put(HttpServletRequest.class.getName(), request);
                    attributes.put(HttpServletResponse.class.getName(), new MockHttpServletResponse());
                }).build());
        });

        assertOwnTokensAndOneRequestPerSession(handed);
        for (int v = 0; v < VISITORS; v++) {
            MockHttpServletRequest request = new MockHttpServletRequest();
            request.setSession(sessions.get(v));
            assertThat(subject(repository.loadAuthorizedClient("visitors", ANONYMOUS, request)))
                .as("the token kept in visitor %d's session", v).isEqualTo(refreshToken(v));
        }
    }

    @Test
    void reactiveVisitorsWithTheirOwnWebSessionsAreEachHandedOnlyTheirOwnToken() throws Exception {
        ServerOAuth2AuthorizedClientRepository repository =
            new AuthenticatedPrincipalServerOAuth2AuthorizedClientRepository(new InMemoryReactiveOAuth2AuthorizedClientService(
                new InMemoryReactiveClientRegistrationRepository(registration)));
        DefaultReactiveOAuth2AuthorizedClientManager spring = new DefaultReactiveOAuth2AuthorizedClientManager(
            new InMemoryReactiveClientRegistrationRepository(registration), repository);
        spring.setAuthorizedClientProvider(ReactiveOAuth2AuthorizedClientProviderBuilder.builder().refreshToken()
            .build());
        ReactiveOAuth2AuthorizedClientManager manager =
            new ReactiveTokenRefreshOAuth2AuthorizedClientManager(spring, patientRegistry());

        InMemoryWebSessionStore store = new InMemoryWebSessionStore();
        List<WebSession> sessions = new ArrayList<>();
        for (int v = 0; v < VISITORS; v++) {
            WebSession session = store.createWebSession().block(Duration.ofSeconds(30));
            repository.saveAuthorizedClient(expiredClient(v), ANONYMOUS, exchange(session))
                .block(Duration.ofSeconds(30));
            sessions.add(session);
        }

        List<List<OAuth2AuthorizedClient>> handed = storm(visitor -> () ->
            manager.authorize(OAuth2AuthorizeRequest.withClientRegistrationId("visitors").principal(ANONYMOUS)
                    .attribute(ServerWebExchange.class.getName(), exchange(sessions.get(visitor))).build())
                .block(Duration.ofSeconds(60)));

        assertOwnTokensAndOneRequestPerSession(handed);
        for (int v = 0; v < VISITORS; v++) {
            assertThat(subject(repository.loadAuthorizedClient("visitors", ANONYMOUS, exchange(sessions.get(v)))
                .block(Duration.ofSeconds(30))))
                .as("the token kept in visitor %d's web session", v).isEqualTo(refreshToken(v));
        }
    }

    private void assertOwnTokensAndOneRequestPerSession(List<List<OAuth2AuthorizedClient>> handed) {
        for (int v = 0; v < VISITORS; v++) {
            for (OAuth2AuthorizedClient client : handed.get(v)) {
                assertThat(subject(client)).as("the token handed to visitor %d", v).isEqualTo(refreshToken(v));
            }
        }
        assertThat(tokenRequests).as("token requests: one per session").hasSize(VISITORS);
    }

    /**
     * {@value #CALLS_PER_VISITOR} calls per visitor, all released at once; the token endpoint answers once a token
     * request of each visitor has arrived and every caller is parked (when calls of different visitors wrongly
     * share one request, fewer arrive: it answers after 10 s so that the test reports what each visitor got).
     */
    private List<List<OAuth2AuthorizedClient>> storm(Function<Integer, Callable<OAuth2AuthorizedClient>> call)
        throws Exception {
        CyclicBarrier start = new CyclicBarrier(CALLS);
        CountDownLatch started = new CountDownLatch(CALLS);
        List<List<Future<OAuth2AuthorizedClient>>> answers = new ArrayList<>();
        for (int v = 0; v < VISITORS; v++) {
            List<Future<OAuth2AuthorizedClient>> visitorAnswers = new ArrayList<>();
            Callable<OAuth2AuthorizedClient> visitorCall = call.apply(v);
            for (int c = 0; c < CALLS_PER_VISITOR; c++) {
                visitorAnswers.add(threads.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    callers.add(Thread.currentThread());
                    started.countDown();
                    return visitorCall.call();
                }));
            }
            answers.add(visitorAnswers);
        }
        try {
            await().atMost(10, TimeUnit.SECONDS).until(() -> started.getCount() == 0
                && tokenRequests.size() == VISITORS && allCallersParked());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // fewer token requests than visitors: the assertions on what each visitor got say why
        }
        release.countDown();
        List<List<OAuth2AuthorizedClient>> handed = new ArrayList<>();
        for (List<Future<OAuth2AuthorizedClient>> visitorAnswers : answers) {
            List<OAuth2AuthorizedClient> clients = new ArrayList<>();
            for (Future<OAuth2AuthorizedClient> answer : visitorAnswers) {
                clients.add(answer.get(60, TimeUnit.SECONDS));
            }
            handed.add(clients);
        }
        return handed;
    }

    private boolean allCallersParked() {
        synchronized (callers) {
            return callers.size() == CALLS && callers.stream().allMatch(t ->
                t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING);
        }
    }

    /** Waiting callers outlast the endpoint's hold, so that what fails is what each visitor got. */
    private static TokenRefreshRegistry patientRegistry() {
        return TokenRefreshRegistry.of(TokenRefreshConfig.custom().refreshTimeout(Duration.ofSeconds(60)).build());
    }

    private static ServerWebExchange exchange(WebSession session) {
        return MockServerWebExchange.builder(MockServerHttpRequest.get("/page")).session(session).build();
    }

    private OAuth2AuthorizedClient expiredClient(int visitor) {
        Instant now = Instant.now();
        return new OAuth2AuthorizedClient(registration, ANONYMOUS.getName(),
            new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER, "expired-" + visitor,
                now.minus(Duration.ofHours(2)), now.minus(Duration.ofHours(1))),
            new OAuth2RefreshToken(refreshToken(visitor), now.minus(Duration.ofHours(2))));
    }

    private String refreshToken(int visitor) {
        return refreshTokens.get(visitor);
    }

    private static String subject(OAuth2AuthorizedClient client) {
        try {
            return SignedJWT.parse(client.getAccessToken().getTokenValue()).getJWTClaimsSet().getSubject();
        } catch (java.text.ParseException e) {
            return "(a token the endpoint did not issue: " + client.getAccessToken().getTokenValue() + ")";
        }
    }

    /** Subject = the refresh token presented; each new token request waits for the release. */
    private final class SubjectIsTheRefreshToken extends AuthorizationServer.Tokens {

        SubjectIsTheRefreshToken() {
            super(ISSUER);
        }

        @Override
        public String subject(TokenRequest tokenRequest) {
            if (!(tokenRequest.getAuthorizationGrant() instanceof RefreshTokenGrant refresh)) {
                return "visitor"; // the code grant that gives a visitor its refresh token
            }
            if (tokenRequests.add(tokenRequest)) {
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return refresh.getRefreshToken().getValue();
        }
    }
}
