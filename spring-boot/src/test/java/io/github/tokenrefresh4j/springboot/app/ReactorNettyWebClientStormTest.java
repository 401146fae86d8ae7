package io.github.tokenrefresh4j.springboot.app;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 22 #2: the servlet WebClient storm (Reactor Netty, Spring's servlet filter function, which calls the manager
 * on Reactor's {@code boundedElastic} pool, 10 threads per core) with the starter's manager and its own providers,
 * as a new Boot user has it: nothing about transports in the application. The starter's providers send the token
 * request without that pool, so the callers waiting on it cannot starve it: one token request per storm, every call
 * answered (with Spring's default transport, the waiting calls failed after the refresh timeout: 30 s here, a
 * bound no token request on a loaded machine comes near).
 */
@TestPropertySource(properties = {"storm.jdk-token-client=false",
    "tokenrefresh4j.instances.storm-webclient.refresh-timeout=30s"})
class ReactorNettyWebClientStormTest extends Storms {

    @Test
    void servletWebClientStormsOnReactorNettyMakeOneTokenRequestAndAnswerEveryCall() throws Exception {
        assertThat(timed("cold start", this::webClientStorm)).isEqualTo(1);
        expire("storm-webclient");
        assertThat(timed("after expiry", this::webClientStorm)).isEqualTo(1);
    }

    private static long timed(String when, java.util.concurrent.Callable<Long> storm) throws Exception {
        long started = System.nanoTime();
        long tokenRequests = storm.call();
        System.out.println("STORM servlet WebClient on Reactor Netty, starter's providers, " + when + ": " + CALLERS
            + " calls in " + (System.nanoTime() - started) / 1_000_000 + " ms, " + tokenRequests + " token requests");
        return tokenRequests;
    }
}
