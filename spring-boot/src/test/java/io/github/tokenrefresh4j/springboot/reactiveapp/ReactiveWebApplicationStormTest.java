package io.github.tokenrefresh4j.springboot.reactiveapp;

import io.github.tokenrefresh4j.springboot.app.Storm;
import io.github.tokenrefresh4j.springboot.app.StormMatrix;
import io.github.tokenrefresh4j.springboot.security.ReactiveTokenRefreshOAuth2AuthorizedClientManager;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 22, "every application shape": the reactive WebClient storm in a reactive web application. Each of the
 * {@value Storm#CALLERS} calls is a request to the application, whose handler calls the API through a WebClient
 * with {@code ServerOAuth2AuthorizedClientExchangeFilterFunction}, within its exchange, on the reactive manager the
 * starter defined and wrapped: at cold start and after expiry, one token request, all 63 other calls sharing it
 * (the token response is held until they did), every call answered; the meters after each.
 */
class ReactiveWebApplicationStormTest extends ReactiveStorms {

    @Autowired
    private MeterRegistry meterRegistry;

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
}
