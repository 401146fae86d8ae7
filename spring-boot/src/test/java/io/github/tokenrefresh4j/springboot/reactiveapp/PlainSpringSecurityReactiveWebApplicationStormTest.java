package io.github.tokenrefresh4j.springboot.reactiveapp;

import io.github.tokenrefresh4j.springboot.app.AuthorizationServer;
import io.github.tokenrefresh4j.springboot.app.Storm;
import io.github.tokenrefresh4j.springboot.security.ReactiveTokenRefreshOAuth2AuthorizedClientManager;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientService;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The baseline of {@link ReactiveWebApplicationStormTest}: the same reactive web application with plain Spring
 * Security ({@code tokenrefresh4j.spring-security.enabled=false}). It records the token requests of each storm
 * ({@code STORM} lines for BENCHMARKS.md) and asserts only that every call was answered and each storm made at
 * least one.
 */
@SpringBootTest(classes = ReactiveStormApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"spring.main.web-application-type=reactive", "tokenrefresh4j.spring-security.enabled=false"})
class PlainSpringSecurityReactiveWebApplicationStormTest {

    @LocalServerPort
    private int port;

    @Autowired
    private ReactiveOAuth2AuthorizedClientManager authorizedClientManager;

    @Autowired
    private ReactiveOAuth2AuthorizedClientService authorizedClientService;

    @DynamicPropertySource
    static void authorizationServer(DynamicPropertyRegistry registry) {
        registry.add("spring.security.oauth2.client.provider.mock.token-uri", AuthorizationServer.get()::tokenUri);
    }

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

    private long storm() throws Exception {
        return ReactiveStormApplication.proxyStorm(port);
    }
}
