package io.github.tokenrefresh4j.springboot.app;

import io.github.tokenrefresh4j.springboot.security.ReactiveTokenRefreshOAuth2AuthorizedClientManager;
import io.github.tokenrefresh4j.springboot.security.TokenRefreshOAuth2AuthorizedClientManager;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The baseline: the same storms with {@code tokenrefresh4j.spring-security.enabled=false}, plain Spring Security
 * with the managers its reference defines for service-to-service calls. It records what Spring does (printed as
 * {@code STORM} lines for BENCHMARKS.md); it asserts only that each storm made at least one token request.
 */
@TestPropertySource(properties = "tokenrefresh4j.spring-security.enabled=false")
class PlainSpringSecurityStormTest extends Storms {

    @Test
    void managersAreSpringSecuritysOwn() {
        assertThat(authorizedClientManager).isNotInstanceOf(TokenRefreshOAuth2AuthorizedClientManager.class);
        assertThat(reactiveAuthorizedClientManager)
            .isNotInstanceOf(ReactiveTokenRefreshOAuth2AuthorizedClientManager.class);
    }

    @Test
    void restClientStormsMakeTheirOwnTokenRequests() throws Exception {
        long cold = record("plain RestClient cold start", restClientStorm());
        expire("storm-rest");
        long expired = record("plain RestClient after expiry", restClientStorm());
        assertThat(cold).isPositive();
        assertThat(expired).isPositive();
    }

    @Test
    void restTemplateStormsMakeTheirOwnTokenRequests() throws Exception {
        long cold = record("plain RestTemplate cold start", restTemplateStorm());
        expire("storm-resttemplate");
        long expired = record("plain RestTemplate after expiry", restTemplateStorm());
        assertThat(cold).isPositive();
        assertThat(expired).isPositive();
    }

    @Test
    void jdkWebClientStormsMakeTheirOwnTokenRequests() throws Exception {
        long cold = record("plain WebClient on the JDK client (servlet) cold start", jdkWebClientStorm());
        expire("storm-webclient-jdk");
        long expired = record("plain WebClient on the JDK client (servlet) after expiry", jdkWebClientStorm());
        assertThat(cold).isPositive();
        assertThat(expired).isPositive();
    }

    @Test
    void webClientStormsMakeTheirOwnTokenRequests() throws Exception {
        long cold = record("plain WebClient (servlet) cold start", webClientStorm());
        expire("storm-webclient");
        long expired = record("plain WebClient (servlet) after expiry", webClientStorm());
        long reactiveCold = record("plain WebClient (reactive manager) cold start", reactiveWebClientStorm());
        expireReactive("storm-reactive");
        long reactiveExpired = record("plain WebClient (reactive manager) after expiry", reactiveWebClientStorm());
        assertThat(cold).isPositive();
        assertThat(expired).isPositive();
        assertThat(reactiveCold).isPositive();
        assertThat(reactiveExpired).isPositive();
    }

    private static long record(String storm, long tokenRequests) {
        System.out.println("STORM " + storm + ": " + CALLERS + " calls, " + tokenRequests + " token requests");
        return tokenRequests;
    }
}
