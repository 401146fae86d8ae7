package io.github.tokenrefresh4j.oauth2;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/** The checks of the builder's input, each throwing an exception that names the parameter. */
final class Checks {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

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

    /**
     * @return true for an http URI whose host is neither {@code localhost} nor a loopback address literal: its
     *         requests, credentials included, would cross a network in cleartext
     */
    static boolean isPlainHttpOffLoopback(URI uri) {
        return "http".equalsIgnoreCase(uri.getScheme()) && !isLoopback(uri.getHost());
    }

    /** Without a DNS lookup: only {@code localhost} and address literals count. */
    private static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        String name = host.toLowerCase(Locale.ROOT);
        if ("localhost".equals(name)) {
            return true;
        }
        boolean literal = IPV4.matcher(name).matches() || name.startsWith("[") && name.endsWith("]");
        try {
            return literal && InetAddress.getByName(name).isLoopbackAddress();
        } catch (UnknownHostException | SecurityException e) {
            return false;
        }
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
