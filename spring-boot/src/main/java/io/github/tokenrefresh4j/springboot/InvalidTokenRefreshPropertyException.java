package io.github.tokenrefresh4j.springboot;

import java.util.Objects;

/**
 * A {@code tokenrefresh4j.*} property the registry cannot be built from: which property, what is wrong and what to
 * change. Boot's "APPLICATION FAILED TO START" summary shows it ({@link TokenRefreshPropertiesFailureAnalyzer}).
 *
 * <pre>{@code
 * try {
 *     context.refresh();
 * } catch (RuntimeException e) {
 *     // tokenrefresh4j.instances.orders-api.refresh-timeout=PT0S is invalid: refreshTimeout must be positive
 * }
 * }</pre>
 */
public class InvalidTokenRefreshPropertyException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String property;
    private final String action;

    /**
     * @param property the property's full name
     * @param message  what is wrong, naming the property
     * @param action   what to change
     * @param cause    the builder's refusal, or null
     */
    public InvalidTokenRefreshPropertyException(String property, String message, String action, Throwable cause) {
        super(message, cause);
        this.property = Objects.requireNonNull(property, "property must not be null");
        this.action = Objects.requireNonNull(action, "action must not be null");
    }

    /** @return the property's full name, such as {@code tokenrefresh4j.instances.orders-api.refresh-timeout} */
    public String getProperty() {
        return property;
    }

    /** @return what to change */
    public String getAction() {
        return action;
    }
}
