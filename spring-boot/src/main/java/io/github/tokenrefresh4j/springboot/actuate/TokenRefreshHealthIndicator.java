package io.github.tokenrefresh4j.springboot.actuate;

import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The health indicator {@code tokenrefresh}: DOWN while some decorator holds no usable token and is in its failure
 * cooldown (its last refreshes failed, and it may not try again yet), UP otherwise, with the details of each
 * decorator. No token value appears. Opt-in: on with {@code management.health.tokenrefresh.enabled=true}; keep it
 * out of the liveness group (a token endpoint that fails is no reason to restart the application).
 */
public class TokenRefreshHealthIndicator implements HealthIndicator {

    private final TokenRefreshRegistry tokenRefreshRegistry;

    public TokenRefreshHealthIndicator(TokenRefreshRegistry tokenRefreshRegistry) {
        this.tokenRefreshRegistry = Objects.requireNonNull(tokenRefreshRegistry,
            "tokenRefreshRegistry must not be null");
    }

    @Override
    public Health health() {
        boolean down = false;
        Map<String, Object> details = new LinkedHashMap<>();
        for (TokenRefreshDecorator decorator : tokenRefreshRegistry.getAllTokenRefreshes().stream()
            .sorted(Comparator.comparing(TokenRefreshDecorator::getName)).toList()) {
            TokenRefreshDescriptor descriptor = TokenRefreshDescriptor.of(decorator);
            boolean decoratorDown = descriptor.isDown(decorator.getTokenRefreshConfig().getClock().instant());
            down |= decoratorDown;
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("status", decoratorDown ? "DOWN" : "UP");
            detail.put("usableToken", descriptor.usableToken());
            if (descriptor.expiresAt() != null) {
                detail.put("expiresAt", descriptor.expiresAt().toString());
            }
            detail.put("consecutiveFailures", descriptor.consecutiveFailures());
            if (descriptor.cooldownEnd() != null) {
                detail.put("cooldownEnd", descriptor.cooldownEnd().toString());
            }
            details.put(descriptor.name(), detail);
        }
        return (down ? Health.down() : Health.up()).withDetails(details).build();
    }
}
