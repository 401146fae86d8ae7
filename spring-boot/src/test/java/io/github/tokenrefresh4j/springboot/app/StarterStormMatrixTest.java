package io.github.tokenrefresh4j.springboot.app;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import reactor.core.scheduler.Schedulers;

import java.util.concurrent.Callable;


/**
 * Issue 22, "every application shape": the storm of each client path of a servlet application with the starter,
 * at cold start and after expiry, and the meters after each. Every storm: {@value Storm#CALLERS} calls, every one
 * answered, one token request; after it, {@code tokenrefresh.oauth2client.token.requests} counts that request,
 * {@code tokenrefresh.oauth2client.coalesced.calls} the calls that shared it and the registration's
 * {@code tokenrefresh.refreshes} (kind successful) the refresh its decorator replayed.
 *
 * <p>The authorization server holds its token response until the calls that shared the request were counted, so
 * that what is counted is not a race: all 63 others for RestClient, RestTemplate and the reactive manager (their
 * callers all reach the manager); for the servlet WebClient filter function, which calls the manager on Reactor's
 * {@code boundedElastic} pool, the callers the pool has threads for (the others call the manager after the
 * response, find the stored token and may share among themselves: at least that many). The same context as
 * {@link StarterApplicationTest}; each path has its own client registration, so its meters are its own.
 */
class StarterStormMatrixTest extends Storms {

    /** The calls of a servlet WebClient storm that can wait on the manager at once. */
    private static final int BOUNDED_ELASTIC_CALLERS = Math.min(CALLERS, Schedulers.DEFAULT_BOUNDED_ELASTIC_SIZE);

    @Autowired
    private MeterRegistry meterRegistry;

    @Test
    void restClient() throws Exception {
        coldStartAndAfterExpiry("RestClient + OAuth2ClientHttpRequestInterceptor", "storm-rest", CALLERS,
            this::restClientStorm, () -> expire("storm-rest"));
    }

    @Test
    void restTemplate() throws Exception {
        coldStartAndAfterExpiry("RestTemplate + OAuth2ClientHttpRequestInterceptor", "storm-resttemplate", CALLERS,
            this::restTemplateStorm, () -> expire("storm-resttemplate"));
    }

    @Test
    void servletWebClientOnReactorNetty() throws Exception {
        coldStartAndAfterExpiry("WebClient on Reactor Netty + ServletOAuth2AuthorizedClientExchangeFilterFunction",
            "storm-webclient", BOUNDED_ELASTIC_CALLERS, this::webClientStorm, () -> expire("storm-webclient"));
    }

    @Test
    void servletWebClientOnTheJdkClient() throws Exception {
        coldStartAndAfterExpiry("WebClient on JdkClientHttpConnector + ServletOAuth2AuthorizedClientExchangeFilterFunction",
            "storm-webclient-jdk", BOUNDED_ELASTIC_CALLERS, this::jdkWebClientStorm,
            () -> expire("storm-webclient-jdk"));
    }

    @Test
    void webClientWithTheReactiveManagerOutsideAnyExchange() throws Exception {
        coldStartAndAfterExpiry("WebClient + ServerOAuth2AuthorizedClientExchangeFilterFunction, no exchange",
            "storm-reactive", CALLERS, this::reactiveWebClientStorm, () -> expireReactive("storm-reactive"));
    }

    /**
     * A storm at cold start, then one after expiry, each with the token response held until {@code together}
     * callers (the leader and those that share its request) are in; the meters after each.
     */
    private void coldStartAndAfterExpiry(String path, String registrationId, int together, Callable<Long> storm,
                                         Runnable expire) throws Exception {
        StormMatrix.Step cold = StormMatrix.step(meterRegistry, registrationId, together, storm);
        StormMatrix.record("starter " + path + ", cold start", cold);
        cold.assertOneTokenRequestShared(together, 1);

        expire.run();
        StormMatrix.Step expired = StormMatrix.step(meterRegistry, registrationId, together, storm);
        StormMatrix.record("starter " + path + ", after expiry", expired);
        expired.assertOneTokenRequestShared(together, 2);
    }
}
