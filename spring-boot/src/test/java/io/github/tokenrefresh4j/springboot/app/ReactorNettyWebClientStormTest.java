package io.github.tokenrefresh4j.springboot.app;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import reactor.core.scheduler.Schedulers;

import java.util.concurrent.Callable;

/**
 * Issue 22 #2: the servlet WebClient storm (Reactor Netty, Spring's servlet filter function, which calls the manager
 * on Reactor's {@code boundedElastic} pool, 10 threads per core) with the starter's manager and its own providers,
 * as a new Boot user has it: nothing about transports in the application. The starter's providers send the token
 * request without that pool, so the callers waiting on it cannot starve it: one token request per storm, every call
 * answered, and the meters after each (with Spring's default transport, the waiting calls failed after the refresh
 * timeout: 30 s here, a bound no token request on a loaded machine comes near). Plain Spring Security on the same
 * path: {@link PlainSpringSecurityReactorNettyStormTest}.
 */
@TestPropertySource(properties = {"storm.jdk-token-client=false",
    "tokenrefresh4j.instances.storm-webclient.refresh-timeout=30s"})
class ReactorNettyWebClientStormTest extends Storms {

    private static final int BOUNDED_ELASTIC_CALLERS = Math.min(CALLERS, Schedulers.DEFAULT_BOUNDED_ELASTIC_SIZE);

    @Autowired
    private MeterRegistry meterRegistry;

    @Test
    void servletWebClientStormsOnReactorNettyMakeOneTokenRequestAndAnswerEveryCall() throws Exception {
        timed("cold start", this::webClientStorm).assertOneTokenRequestShared(BOUNDED_ELASTIC_CALLERS, 1);
        expire("storm-webclient");
        timed("after expiry", this::webClientStorm).assertOneTokenRequestShared(BOUNDED_ELASTIC_CALLERS, 2);
    }

    private StormMatrix.Step timed(String when, Callable<Long> storm) throws Exception {
        long started = System.nanoTime();
        StormMatrix.Step step = StormMatrix.step(meterRegistry, "storm-webclient", BOUNDED_ELASTIC_CALLERS, storm);
        System.out.println("STORM servlet WebClient on Reactor Netty, starter's providers, " + when + ": " + CALLERS
            + " calls in " + (System.nanoTime() - started) / 1_000_000 + " ms, " + step.tokenRequests()
            + " token requests");
        StormMatrix.record("starter WebClient on Reactor Netty, starter's providers, " + when, step);
        return step;
    }
}
