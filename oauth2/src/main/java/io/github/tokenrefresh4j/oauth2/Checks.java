package io.github.tokenrefresh4j.oauth2;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/** The checks of the builder's input, each throwing an exception that names the parameter. */
final class Checks {

    private Checks() {
    }

    static String requireText(String value, String name) {
        Objects.requireNonNull(value, name + " must not be null");
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return value;
    }

    static Duration requirePositive(Duration value, String name) {
        Objects.requireNonNull(value, name + " must not be null");
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
        return value;
    }

    static Duration requireMillis(Duration value, String name) {
        requirePositive(value, name);
        if (value.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0 || value.toMillis() == 0) {
            throw new IllegalArgumentException(name + " must be between 1 ms and " + Integer.MAX_VALUE
                + " ms, was " + value);
        }
        return value;
    }

    static boolean isHttpUri(URI uri) {
        return uri.isAbsolute() && uri.getHost() != null
            && ("https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()));
    }

    static URI requireHttpUri(URI uri, String name) {
        Objects.requireNonNull(uri, name + " must not be null");
        if (!isHttpUri(uri)) {
            throw new IllegalArgumentException(name + " must be an absolute http or https URI with a host, was "
                + Failures.display(uri));
        }
        return uri;
    }
}
