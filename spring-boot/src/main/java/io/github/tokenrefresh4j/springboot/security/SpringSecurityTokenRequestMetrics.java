package io.github.tokenrefresh4j.springboot.security;

import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The meters of Spring Security's path, per client registration (tag {@code name}, the registration id), which the
 * registration's decorator meters cannot show, as Spring's manager makes the token requests: how many calls shared
 * another call's token request, how many gave up waiting for one, how many were refused in a failure cooldown, and
 * the token requests with how long each kept its callers waiting. The starter binds it when Micrometer is present:
 *
 * <pre>{@code
 * new SpringSecurityTokenRequestMetrics(tokenRefreshRegistry).bindTo(meterRegistry);
 * // tokenrefresh.oauth2client.coalesced.calls{name="orders"}, ...wait.timeouts, ...cooldown.refusals,
 * // ...token.requests
 * }</pre>
 */
public final class SpringSecurityTokenRequestMetrics implements MeterBinder {

    private final TokenRefreshRegistry tokenRefreshRegistry;

    /** @param tokenRefreshRegistry the registry the starter's managers report to */
    public SpringSecurityTokenRequestMetrics(TokenRefreshRegistry tokenRefreshRegistry) {
        this.tokenRefreshRegistry = Objects.requireNonNull(tokenRefreshRegistry,
            "tokenRefreshRegistry must not be null");
    }

    @Override
    public void bindTo(MeterRegistry meterRegistry) {
        RegistrationMonitor.follow(tokenRefreshRegistry, monitor -> register(meterRegistry, monitor));
    }

    private static void register(MeterRegistry meterRegistry, RegistrationMonitor monitor) {
        Tags tags = Tags.of("name", monitor.name());
        FunctionCounter.builder("tokenrefresh.oauth2client.coalesced.calls", monitor,
                m -> m.coalescedCalls.sum())
            .description("Calls that shared a token request another call had started (Spring Security path)")
            .tags(tags).register(meterRegistry);
        FunctionCounter.builder("tokenrefresh.oauth2client.wait.timeouts", monitor, m -> m.waitTimeouts.sum())
            .description("Calls that gave up waiting for another call's token request after refresh-timeout"
                + " (reactive: token requests cancelled after it)")
            .tags(tags).register(meterRegistry);
        FunctionCounter.builder("tokenrefresh.oauth2client.cooldown.refusals", monitor,
                m -> m.cooldownRefusals.sum())
            .description("Calls refused without a token request because their partition's last token request"
                + " failed within failure-cooldown")
            .tags(tags).register(meterRegistry);
        FunctionTimer.builder("tokenrefresh.oauth2client.token.requests", monitor, m -> m.tokenRequests.sum(),
                m -> m.tokenRequestNanos.sum(), TimeUnit.NANOSECONDS)
            .description("Token requests Spring Security's manager made, and how long each kept its callers")
            .tags(tags).register(meterRegistry);
    }
}
