package io.github.tokenrefresh4j.springboot.app;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.client.reactive.JdkClientHttpConnector;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.security.oauth2.client.web.client.OAuth2ClientHttpRequestInterceptor;
import org.springframework.security.oauth2.client.web.client.RequestAttributeClientRegistrationIdResolver;
import org.springframework.security.oauth2.client.web.reactive.function.client.ServerOAuth2AuthorizedClientExchangeFilterFunction;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 22, "a failing endpoint within the cooldown", on every client path of a servlet application with the
 * starter: with {@code failure-cooldown: 30s} and a token endpoint answering 503, three storms of
 * {@value Storm#CALLERS} calls each fail every call and reach the endpoint once. After them:
 * {@code tokenrefresh.oauth2client.token.requests} is 1, {@code tokenrefresh.oauth2client.cooldown.refusals} counts
 * at least the two later storms' calls, and the
 * registration's decorator counted one failed refresh. Each path has its own client registration (and client id,
 * by which the failing endpoint counts), so neither its cooldown nor its meters are another path's.
 */
@TestPropertySource(properties = {
    "spring.security.oauth2.client.registration.failing-rest.client-id=failing-rest",
    "spring.security.oauth2.client.registration.failing-rest.client-secret=secret",
    "spring.security.oauth2.client.registration.failing-rest.authorization-grant-type=client_credentials",
    "spring.security.oauth2.client.registration.failing-rest.provider=failing",
    "spring.security.oauth2.client.registration.failing-resttemplate.client-id=failing-resttemplate",
    "spring.security.oauth2.client.registration.failing-resttemplate.client-secret=secret",
    "spring.security.oauth2.client.registration.failing-resttemplate.authorization-grant-type=client_credentials",
    "spring.security.oauth2.client.registration.failing-resttemplate.provider=failing",
    "spring.security.oauth2.client.registration.failing-webclient.client-id=failing-webclient",
    "spring.security.oauth2.client.registration.failing-webclient.client-secret=secret",
    "spring.security.oauth2.client.registration.failing-webclient.authorization-grant-type=client_credentials",
    "spring.security.oauth2.client.registration.failing-webclient.provider=failing",
    "spring.security.oauth2.client.registration.failing-webclient-jdk.client-id=failing-webclient-jdk",
    "spring.security.oauth2.client.registration.failing-webclient-jdk.client-secret=secret",
    "spring.security.oauth2.client.registration.failing-webclient-jdk.authorization-grant-type=client_credentials",
    "spring.security.oauth2.client.registration.failing-webclient-jdk.provider=failing",
    "spring.security.oauth2.client.registration.failing-reactive.client-id=failing-reactive",
    "spring.security.oauth2.client.registration.failing-reactive.client-secret=secret",
    "spring.security.oauth2.client.registration.failing-reactive.authorization-grant-type=client_credentials",
    "spring.security.oauth2.client.registration.failing-reactive.provider=failing",
    "tokenrefresh4j.configs.cooling.failure-cooldown=30s",
    "tokenrefresh4j.configs.cooling.refresh-timeout=60s",
    "tokenrefresh4j.instances.failing-rest.base-config=cooling",
    "tokenrefresh4j.instances.failing-resttemplate.base-config=cooling",
    "tokenrefresh4j.instances.failing-webclient.base-config=cooling",
    "tokenrefresh4j.instances.failing-webclient-jdk.base-config=cooling",
    "tokenrefresh4j.instances.failing-reactive.base-config=cooling"})
class StarterCooldownStormTest extends Storms {

    /** A token endpoint answering 503 to every request, counting them by the client id of their Basic auth. */
    private static final HttpServer FAILING = failingTokenEndpoint();
    private static final Map<String, LongAdder> REQUESTS = new ConcurrentHashMap<>();

    @Autowired
    private MeterRegistry meterRegistry;

    @DynamicPropertySource
    static void failingProvider(DynamicPropertyRegistry registry) {
        registry.add("spring.security.oauth2.client.provider.failing.token-uri",
            () -> "http://127.0.0.1:" + FAILING.getAddress().getPort() + "/token");
    }

    @AfterAll
    static void stopFailingEndpoint() {
        FAILING.stop(0);
    }

    @Test
    void restClient() throws Exception {
        RestClient client = RestClient.builder().baseUrl("http://127.0.0.1:" + port)
            .requestInterceptor(new OAuth2ClientHttpRequestInterceptor(authorizedClientManager)).build();
        threeStormsWithinTheCooldown("failing-rest", () -> client.get().uri("/api/ping")
            .attributes(RequestAttributeClientRegistrationIdResolver.clientRegistrationId("failing-rest"))
            .retrieve().body(String.class));
    }

    @Test
    void restTemplate() throws Exception {
        OAuth2ClientHttpRequestInterceptor oauth2 = new OAuth2ClientHttpRequestInterceptor(authorizedClientManager);
        oauth2.setClientRegistrationIdResolver(request -> "failing-resttemplate");
        RestTemplate template = new RestTemplate();
        template.getInterceptors().add(oauth2);
        String url = "http://127.0.0.1:" + port + "/api/ping";
        threeStormsWithinTheCooldown("failing-resttemplate", () -> template.getForObject(url, String.class));
    }

    @Test
    void servletWebClientOnReactorNetty() throws Exception {
        threeStormsWithinTheCooldown("failing-webclient",
            webClientCall(new ReactorClientHttpConnector(), "failing-webclient", Duration.ofSeconds(60)));
    }

    @Test
    void servletWebClientOnTheJdkClient() throws Exception {
        threeStormsWithinTheCooldown("failing-webclient-jdk",
            webClientCall(new JdkClientHttpConnector(), "failing-webclient-jdk", Duration.ofSeconds(60)));
    }

    @Test
    void webClientWithTheReactiveManager() throws Exception {
        ServerOAuth2AuthorizedClientExchangeFilterFunction oauth2 =
            new ServerOAuth2AuthorizedClientExchangeFilterFunction(reactiveAuthorizedClientManager);
        oauth2.setDefaultClientRegistrationId("failing-reactive");
        WebClient client = WebClient.builder().baseUrl("http://127.0.0.1:" + port).filter(oauth2).build();
        threeStormsWithinTheCooldown("failing-reactive", () -> client.get().uri("/api/ping").retrieve()
            .bodyToMono(String.class).block(Duration.ofSeconds(60)));
    }

    private void threeStormsWithinTheCooldown(String registrationId, Callable<String> call) throws Exception {
        for (int storm = 1; storm <= 3; storm++) {
            Storm.Outcome outcome = Storm.bounded(call, Duration.ofSeconds(120));
            System.out.println("STORM starter " + registrationId + ", failing endpoint, storm " + storm + ": "
                + outcome);
            assertThat(outcome.answered()).as(outcome.toString()).isZero();
            assertThat(outcome.unanswered()).as(outcome.toString()).isZero();
            assertThat(requests(registrationId)).as("token requests after storm " + storm + ": " + outcome)
                .isEqualTo(1);
        }
        FunctionTimer tokenRequests = meterRegistry.get("tokenrefresh.oauth2client.token.requests")
            .tag("name", registrationId).functionTimer();
        assertThat(tokenRequests.count()).isEqualTo(1);
        FunctionCounter refusals = meterRegistry.get("tokenrefresh.oauth2client.cooldown.refusals")
            .tag("name", registrationId).functionCounter();
        assertThat(refusals.count()).as("calls refused in the cooldown").isGreaterThanOrEqualTo(2 * CALLERS);
        // the decorator replays the failure on its own thread, after the calls returned
        await().atMost(Duration.ofSeconds(30)).until(() -> failedRefreshes(registrationId) == 1);
    }

    private double failedRefreshes(String registrationId) {
        FunctionCounter failed = meterRegistry.find("tokenrefresh.refreshes").tag("name", registrationId)
            .tag("kind", "failed").functionCounter();
        return failed == null ? 0 : failed.count();
    }

    private static long requests(String clientId) {
        LongAdder count = REQUESTS.get(clientId);
        return count == null ? 0 : count.sum();
    }

    private static HttpServer failingTokenEndpoint() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/token", exchange -> {
                exchange.getRequestBody().readAllBytes();
                String authorization = exchange.getRequestHeaders().getFirst("Authorization");
                String clientId = authorization == null || !authorization.startsWith("Basic ") ? "?"
                    : new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8)
                        .split(":", 2)[0];
                REQUESTS.computeIfAbsent(clientId, id -> new LongAdder()).increment();
                exchange.sendResponseHeaders(503, -1);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
