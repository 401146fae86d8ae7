package io.github.tokenrefresh4j.springboot.app;

import io.github.tokenrefresh4j.springboot.security.TokenRefreshOAuth2AuthorizedClientManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.test.context.TestPropertySource;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.HttpResources;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The baseline of {@link ReactorNettyWebClientStormTest}, issue 22 #2: plain Spring Security (its
 * {@code AuthorizedClientServiceOAuth2AuthorizedClientManager} with Spring's own providers, whose token requests go
 * over Spring's default {@code RestClient} transport, Reactor Netty) and the servlet WebClient on Reactor Netty, as
 * a Boot application has them with nothing about transports. A bounded measurement: every call gets
 * {@link #BOUND} in all, and the outcome (answered, failed by type, unanswered, time, token requests) is printed as
 * a {@code STORM} line for BENCHMARKS.md. It records; it asserts only that the storm ended within its bound and
 * that the manager is Spring's own.
 */
@TestPropertySource(properties = {"tokenrefresh4j.spring-security.enabled=false", "storm.jdk-token-client=false"})
class PlainSpringSecurityReactorNettyStormTest extends Storms {

    /** Each call's bound; {@code -Dstorm.plain.bound=PT120S} for a longer look. */
    static final Duration BOUND = Duration.parse(System.getProperty("storm.plain.bound", "PT10S"));

    @Autowired
    private ClientRegistrationRepository clientRegistrations;

    /**
     * Reactor Netty as an application has it at its first token request: no connection pooled yet. Earlier tests
     * in this JVM leave connections to the token endpoint in Reactor Netty's global pool, with which the storm
     * does not stall (64 of 64 answered, 8 to 10 token requests, in one run).
     */
    @BeforeAll
    static void coldReactorNetty() {
        HttpResources.disposeLoopsAndConnections();
    }

    @Test
    void servletWebClientStormsOnReactorNettyWithSpringsOwnTransport() throws Exception {
        assertThat(authorizedClientManager).isNotInstanceOf(TokenRefreshOAuth2AuthorizedClientManager.class);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        ScheduledFuture<Map<String, Integer>> midStorm = sampler.schedule(
            PlainSpringSecurityReactorNettyStormTest::boundedElasticThreads, BOUND.toMillis() / 2,
            TimeUnit.MILLISECONDS);
        Storm.Outcome cold = Storm.bounded(webClientCall(new ReactorClientHttpConnector(), "storm-webclient", BOUND),
            BOUND.plusSeconds(5));
        sampler.shutdownNow();
        System.out.println("STORM plain WebClient on Reactor Netty (servlet), Spring's providers, cold start: " + cold);
        System.out.println("STORM boundedElastic threads half-way through it: "
            + (midStorm.isDone() ? midStorm.get() : "(not sampled)"));
        assertThat(cold.millis()).isLessThan(BOUND.plusSeconds(10).toMillis());

        // after expiry: a stored client whose access token expired, whether or not the cold start stored one
        ClientRegistration registration = clientRegistrations.findByRegistrationId("storm-webclient");
        authorizedClientService.saveAuthorizedClient(new OAuth2AuthorizedClient(registration, ANONYMOUS.getName(),
            new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER, "expired", Instant.now().minusSeconds(7200),
                Instant.now().minusSeconds(3600))), ANONYMOUS);
        Storm.Outcome expired = Storm.bounded(webClientCall(new ReactorClientHttpConnector(), "storm-webclient",
            BOUND), BOUND.plusSeconds(5));
        System.out.println("STORM plain WebClient on Reactor Netty (servlet), Spring's providers, after expiry: "
            + expired);
        assertThat(expired.millis()).isLessThan(BOUND.plusSeconds(10).toMillis());
    }

    /** @return Reactor's boundedElastic threads, by state and top frame outside the JDK */
    private static Map<String, Integer> boundedElasticThreads() {
        Map<String, Integer> where = new TreeMap<>();
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            if (thread.getName().startsWith("boundedElastic")) {
                String frame = Arrays.stream(stack)
                    .filter(f -> !f.getClassName().startsWith("java.") && !f.getClassName().startsWith("jdk.")
                        && !f.getClassName().startsWith("sun."))
                    .findFirst().map(f -> f.getClassName() + "." + f.getMethodName()).orElse("idle");
                where.merge(thread.getState() + " in " + frame, 1, Integer::sum);
            }
        });
        return where;
    }

    /**
     * Token requests that never complete may still hold threads of Reactor's shared {@code boundedElastic} pool,
     * which every later test in this JVM uses: give them fresh default schedulers.
     */
    @AfterAll
    static void freeReactorsSchedulers() {
        Schedulers.shutdownNow();
    }
}
