package io.github.tokenrefresh4j.springboot.reactiveapp;

import io.github.tokenrefresh4j.springboot.app.Storm;
import io.github.tokenrefresh4j.springboot.security.ReactiveTokenRefreshOAuth2AuthorizedClientManager;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The baseline of {@link ReactiveWebApplicationStormTest}: the same reactive web application with plain Spring
 * Security ({@code tokenrefresh4j.spring-security.enabled=false}). It records the token requests of each storm
 * ({@code STORM} lines for BENCHMARKS.md) and asserts only that every call was answered and each storm made at
 * least one.
 */
@TestPropertySource(properties = "tokenrefresh4j.spring-security.enabled=false")
class PlainSpringSecurityReactiveWebApplicationStormTest extends ReactiveStorms {

    @Test
    void reactiveWebClientStormsMakeTheirOwnTokenRequests() throws Exception {
        assertThat(authorizedClientManager).isNotInstanceOf(ReactiveTokenRefreshOAuth2AuthorizedClientManager.class);
        long cold = storm();
        System.out.println("STORM plain reactive web application, WebClient + ServerOAuth2AuthorizedClientExchange"
            + "FilterFunction, cold start: " + Storm.CALLERS + " calls, " + cold + " token requests");

        ReactiveStormApplication.expire(authorizedClientService);
        long expired = storm();
        System.out.println("STORM plain reactive web application, WebClient + ServerOAuth2AuthorizedClientExchange"
            + "FilterFunction, after expiry: " + Storm.CALLERS + " calls, " + expired + " token requests");
        assertThat(cold).isPositive();
        assertThat(expired).isPositive();
    }
}
