package io.github.tokenrefresh4j.springboot.security;

import io.github.tokenrefresh4j.RefreshReason;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.micrometer.TaggedTokenRefreshMetrics;
import io.github.tokenrefresh4j.springboot.TokenRefreshAutoConfiguration;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.MockWebServerWrapper;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.security.oauth2.client.autoconfigure.OAuth2ClientAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.oauth2.client.ClientAuthorizationException;
import org.springframework.security.oauth2.client.InMemoryReactiveOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.InMemoryClientRegistrationRepository;
import org.springframework.security.oauth2.client.registration.InMemoryReactiveClientRegistrationRepository;
import org.springframework.security.oauth2.client.registration.ReactiveClientRegistrationRepository;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Issue 22, items 4 and 5: the registration's settings reach Spring's path, and its meters say what happened,
 * through the starter's own managers (imperative and reactive) against mock-oauth2-server. Issuers: {@code short}
 * issues tokens for 12 s, {@code minute} for 30 s, {@code hour} for an hour; {@link #failing} answers 503.
 */
class SpringPathGuaranteesTest {

    private static final int CALLERS = 64;

    /** The two managers of the starter, and how a call goes through each. */
    enum Path {
        SERVLET((context, request) -> context.getBean(OAuth2AuthorizedClientManager.class).authorize(request)),
        REACTIVE((context, request) -> context.getBean(ReactiveOAuth2AuthorizedClientManager.class).authorize(request)
            .block(Duration.ofSeconds(60)));

        final BiFunction<ApplicationContext, OAuth2AuthorizeRequest, OAuth2AuthorizedClient> authorize;

        Path(BiFunction<ApplicationContext, OAuth2AuthorizeRequest, OAuth2AuthorizedClient> authorize) {
            this.authorize = authorize;
        }
    }

    private final MockWebServerWrapper tokensHttp = new MockWebServerWrapper();
    private final MockOAuth2Server tokens = started(new MockOAuth2Server(new OAuth2Config(false, null, null, false,
        new OAuth2TokenProvider(), Set.of(lifetime("short", 12), lifetime("minute", 30), lifetime("hour", 3600)),
        tokensHttp)));
    /** mock-oauth2-server's HTTP server, answering 503 to every request. */
    private final MockWebServer failing = answering503();
    private final ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
    private final Map<MockWebServer, Long> counted = new IdentityHashMap<>();

    @AfterEach
    void stop() {
        callers.shutdownNow();
        tokens.shutdown();
        try {
            failing.shutdown();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void aFailingTokenEndpointIsAskedOnceByThreeStormsWithinTheFailureCooldown(Path path) throws Exception {
        runner("orders", "http://127.0.0.1:" + failing.getPort() + "/issuer/token",
            "tokenrefresh4j.instances.orders.failure-cooldown=30s").run(context -> {
                SimpleMeterRegistry meters = new SimpleMeterRegistry();
                context.getBean(SpringSecurityTokenRequestMetrics.class).bindTo(meters);
                for (int storm = 1; storm <= 3; storm++) {
                    for (Throwable failure : storm(() -> path.authorize.apply(context, request("orders", "batch")))) {
                        // the kind Spring's path gives, with the failure's error: Spring's handlers behave the same
                        assertThat(failure).isInstanceOf(ClientAuthorizationException.class);
                        assertThat(((ClientAuthorizationException) failure).getError().getErrorCode())
                            .isEqualTo("invalid_token_response");
                    }
                }

                assertThat(tokenRequests(failing)).as("token requests of 3 storms in the cooldown").isEqualTo(1);
                assertThat(meters.get("tokenrefresh.oauth2client.cooldown.refusals").tag("name", "orders")
                    .functionCounter().count()).as("calls refused in the cooldown").isGreaterThanOrEqualTo(2 * CALLERS);

                // another principal's calls are not refused: they make their own token request
                assertThat(catchThrowable(() -> path.authorize.apply(context, request("orders", "other"))))
                    .isInstanceOf(ClientAuthorizationException.class);
                assertThat(tokenRequests(failing)).isEqualTo(2);
            });
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void refreshAheadIsSpringsClockSkewSoA30sTokenIsReusedWithRefreshAhead10s(Path path) {
        runner("orders", tokenUri(tokens, "minute"),
            "tokenrefresh4j.instances.orders.refresh-ahead=10s").run(context -> {
                OAuth2AuthorizedClient first = path.authorize.apply(context, request("orders", "batch"));
                OAuth2AuthorizedClient second = path.authorize.apply(context, request("orders", "batch"));

                // with Spring's default clock skew (60 s), a 30 s token is always expired: two token requests
                assertThat(second.getAccessToken().getTokenValue()).isEqualTo(first.getAccessToken().getTokenValue());
                assertThat(tokenRequests(tokensHttp.getMockWebServer())).isEqualTo(1);
            });
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void aRefreshAheadOverHalfTheTokensLifetimeIsCappedAtHalfSoTheTokenIsReused(Path path) {
        runner("orders", tokenUri(tokens, "minute"),
            "tokenrefresh4j.instances.orders.refresh-ahead=5m").run(context -> {
                Instant before = Instant.now();
                OAuth2AuthorizedClient first = path.authorize.apply(context, request("orders", "batch"));
                OAuth2AuthorizedClient second = path.authorize.apply(context, request("orders", "batch"));

                // Spring's provider with a 5 min clock skew finds a 30 s token always expired: a request per call
                assertThat(second.getAccessToken().getTokenValue()).isEqualTo(first.getAccessToken().getTokenValue());
                assertThat(tokenRequests(tokensHttp.getMockWebServer())).isEqualTo(1);
                // and the placeholder expires when the capped clock skew (15 s) says, not 5 min before the expiry
                TokenRefreshDecorator decorator = context.getBean(TokenRefreshRegistry.class).find("orders")
                    .orElseThrow();
                await().atMost(30, TimeUnit.SECONDS).until(() -> decorator.currentToken() != null);
                assertThat(decorator.currentToken().expiresAt().orElseThrow())
                    .isBetween(before.plusSeconds(14), Instant.now().plusSeconds(16));
            });
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void theRefreshAfterSpringsExpiryIsTaggedExpired(Path path) {
        runner("orders", tokenUri(tokens, "short"),
            "tokenrefresh4j.instances.orders.refresh-ahead=10s").run(context -> {
                TokenRefreshDecorator decorator = context.getBean(TokenRefreshRegistry.class).find("orders")
                    .orElseThrow();
                List<RefreshReason> reasons = new CopyOnWriteArrayList<>();
                decorator.getEventPublisher().onRefreshSucceeded(event -> reasons.add(event.getReason()));
                path.authorize.apply(context, request("orders", "batch"));
                await().atMost(30, TimeUnit.SECONDS).until(() -> reasons.size() == 1);
                // Spring refreshes the 12 s token 10 s (refresh-ahead) before its expiry: when the placeholder expires
                Instant due = decorator.currentToken().expiresAt().orElseThrow();
                await().atMost(30, TimeUnit.SECONDS).until(() -> Instant.now().isAfter(due));

                path.authorize.apply(context, request("orders", "batch"));

                await().atMost(30, TimeUnit.SECONDS).until(() -> reasons.size() == 2);
                assertThat(reasons).containsExactly(RefreshReason.INITIAL, RefreshReason.EXPIRED);
                assertThat(tokenRequests(tokensHttp.getMockWebServer())).isEqualTo(2);
            });
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void remainingLifetimeIsTheTimeUntilSpringRefreshes(Path path) {
        runner("orders", tokenUri(tokens, "hour"),
            "tokenrefresh4j.instances.orders.refresh-ahead=10m").run(context -> {
                SimpleMeterRegistry meters = new SimpleMeterRegistry();
                TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(context.getBean(TokenRefreshRegistry.class))
                    .bindTo(meters);
                Instant before = Instant.now();
                path.authorize.apply(context, request("orders", "batch"));

                await().atMost(30, TimeUnit.SECONDS).until(() -> !Double.isNaN(remainingLifetime(meters)));
                double untilSpringRefreshes = Duration.between(Instant.now(),
                    before.plusSeconds(3600).minus(Duration.ofMinutes(10))).toSeconds();
                // the token's expiry minus Spring's clock skew (refresh-ahead), not its expiry
                assertThat(remainingLifetime(meters)).isBetween(untilSpringRefreshes - 1, untilSpringRefreshes + 60);
            });
    }

    private static double remainingLifetime(SimpleMeterRegistry meters) {
        return meters.get("tokenrefresh.token.remaining.lifetime").tag("name", "orders").gauge().value();
    }

    private ApplicationContextRunner runner(String registrationId, String tokenUri, String... properties) {
        String registration = "spring.security.oauth2.client.registration." + registrationId + ".";
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TokenRefreshAutoConfiguration.class,
                TokenRefreshSecurityAutoConfiguration.class, OAuth2ClientAutoConfiguration.class))
            .withUserConfiguration(ReactiveClients.class)
            .withPropertyValues(registration + "client-id=orders", registration + "client-secret=secret",
                registration + "authorization-grant-type=client_credentials", registration + "provider=local",
                "spring.security.oauth2.client.provider.local.token-uri=" + tokenUri)
            .withPropertyValues(properties);
    }

    /** The reactive side of the registrations, as a WebFlux application has them. */
    @Configuration(proxyBeanMethods = false)
    static class ReactiveClients {

        @Bean
        ReactiveClientRegistrationRepository reactiveClientRegistrations(InMemoryClientRegistrationRepository all) {
            List<ClientRegistration> registrations = new ArrayList<>();
            all.forEach(registrations::add);
            return new InMemoryReactiveClientRegistrationRepository(registrations);
        }

        @Bean
        ReactiveOAuth2AuthorizedClientService reactiveAuthorizedClients(ReactiveClientRegistrationRepository all) {
            return new InMemoryReactiveOAuth2AuthorizedClientService(all);
        }
    }

    /** @return the failures of {@value #CALLERS} calls released at once; every call must fail */
    private List<Throwable> storm(java.util.concurrent.Callable<OAuth2AuthorizedClient> call) throws Exception {
        CyclicBarrier start = new CyclicBarrier(CALLERS);
        List<Future<Throwable>> outcomes = new ArrayList<>();
        for (int i = 0; i < CALLERS; i++) {
            outcomes.add(callers.submit(() -> {
                start.await(60, TimeUnit.SECONDS);
                return catchThrowable(call::call);
            }));
        }
        List<Throwable> failures = new ArrayList<>();
        for (Future<Throwable> outcome : outcomes) {
            Throwable failure = outcome.get(120, TimeUnit.SECONDS);
            assertThat(failure).as("every call fails").isNotNull();
            failures.add(failure);
        }
        return failures;
    }

    private static OAuth2AuthorizeRequest request(String registrationId, String principal) {
        return OAuth2AuthorizeRequest.withClientRegistrationId(registrationId).principal(principal).build();
    }

    /** @return the token requests {@code http} received so far, from its request log */
    private long tokenRequests(MockWebServer http) {
        long count = counted.getOrDefault(http, 0L);
        try {
            RecordedRequest request;
            while ((request = http.takeRequest(0, TimeUnit.MILLISECONDS)) != null) {
                if ("POST".equals(request.getMethod()) && request.getPath() != null
                    && request.getPath().endsWith("/token")) {
                    count++;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        counted.put(http, count);
        return count;
    }

    private static DefaultOAuth2TokenCallback lifetime(String issuerId, long seconds) {
        return new DefaultOAuth2TokenCallback(issuerId, "orders", "JWT", List.of("api"), Map.of(), seconds);
    }

    private static String tokenUri(MockOAuth2Server server, String issuerId) {
        return server.tokenEndpointUrl(issuerId).newBuilder().host("127.0.0.1").build().toString();
    }

    private static MockWebServer answering503() {
        MockWebServer server = new MockWebServer();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return new MockResponse().setResponseCode(503);
            }
        });
        try {
            server.start(InetAddress.getLoopbackAddress(), 0);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return server;
    }

    private static MockOAuth2Server started(MockOAuth2Server server) {
        server.start(InetAddress.getLoopbackAddress(), 0);
        return server;
    }
}
