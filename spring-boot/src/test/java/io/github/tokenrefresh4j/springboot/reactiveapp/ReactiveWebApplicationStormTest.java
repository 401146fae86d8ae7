package io.github.tokenrefresh4j.springboot.reactiveapp;

import io.github.tokenrefresh4j.springboot.app.AuthorizationServer;
import io.github.tokenrefresh4j.springboot.app.Storm;
import io.github.tokenrefresh4j.springboot.app.StormMatrix;
import io.github.tokenrefresh4j.springboot.security.ReactiveTokenRefreshOAuth2AuthorizedClientManager;
import io.micrometer.core.instrument.MeterRegistry;
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
 * Issue 22, "every application shape": the reactive WebClient storm in a reactive web application. Each of the
 * {@value Storm#CALLERS} calls is a request to the application, whose handler calls the API through a WebClient
 * with {@code ServerOAuth2AuthorizedClientExchangeFilterFunction}, within its exchange, on the reactive manager the
 * starter defined and wrapped: at cold start and after expiry, one token request, all 63 other calls sharing it
 * (the token response is held until they did), every call answered; the meters after each.
 */
@SpringBootTest(classes = ReactiveStormApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "spring.main.web-application-type=reactive")
class ReactiveWebApplicationStormTest {

    @LocalServerPort
    private int port;

    @Autowired
    private ReactiveOAuth2AuthorizedClientManager authorizedClientManager;

    @Autowired
    private ReactiveOAuth2AuthorizedClientService authorizedClientService;

    @Autowired
    private MeterRegistry meterRegistry;

    @DynamicPropertySource
    static void authorizationServer(DynamicPropertyRegistry registry) {
        registry.add("spring.security.oauth2.client.provider.mock.token-uri", AuthorizationServer.get()::tokenUri);
    }

    @Test
    void reactiveWebClientStormsInAReactiveApplicationMakeOneTokenRequestEach() throws Exception {
        assertThat(authorizedClientManager).isInstanceOf(ReactiveTokenRefreshOAuth2AuthorizedClientManager.class);
        String id = ReactiveStormApplication.REGISTRATION_ID;
        String path = "reactive web application, WebClient + ServerOAuth2AuthorizedClientExchangeFilterFunction";

        StormMatrix.Step cold = StormMatrix.step(meterRegistry, id, Storm.CALLERS, this::storm);
        StormMatrix.record("starter " + path + ", cold start", cold);
        cold.assertOneTokenRequestShared(Storm.CALLERS, 1);

        ReactiveStormApplication.expire(authorizedClientService);
        StormMatrix.Step expired = StormMatrix.step(meterRegistry, id, Storm.CALLERS, this::storm);
        StormMatrix.record("starter " + path + ", after expiry", expired);
        expired.assertOneTokenRequestShared(Storm.CALLERS, 2);
    }

    private long storm() throws Exception {
        return ReactiveStormApplication.proxyStorm(port);
    }
}
