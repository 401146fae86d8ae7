package io.github.tokenrefresh4j.springboot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Puts a bad {@code tokenrefresh4j.*} property into Boot's "APPLICATION FAILED TO START" summary, with what to
 * change, rather than at the bottom of a chain of {@code Caused by}. Registered in {@code META-INF/spring.factories}:
 *
 * <pre>{@code
 * Description:
 * tokenrefresh4j.instances.orders-api.refresh-timeout=PT0S is invalid: refreshTimeout must be positive, was PT0S
 *
 * Action:
 * Change tokenrefresh4j.instances.orders-api.refresh-timeout in your configuration ...
 * }</pre>
 */
public class TokenRefreshPropertiesFailureAnalyzer
    extends AbstractFailureAnalyzer<InvalidTokenRefreshPropertyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidTokenRefreshPropertyException cause) {
        return new FailureAnalysis(cause.getMessage(), cause.getAction(), cause);
    }
}
