package io.github.tokenrefresh4j.oauth2;

import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import net.minidev.json.JSONObject;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns what a token or discovery request got back into a {@link TokenEndpointException} whose message holds none
 * of the request's secrets, on one line.
 */
final class Failures {

    private static final int MAX_TEXT = 300;
    private static final Pattern LINE_BREAKING = Pattern.compile(
        "[\\p{Cc}\\p{Zl}\\p{Zp}\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069]+");
    /**
     * The longest Retry-After kept (about 292 years): any longer is absurd, and would throw in a caller's
     * {@code toNanos()}, {@code toMillis()} or {@code Instant.plus(..)}.
     */
    static final Duration LONGEST_RETRY_AFTER = Duration.ofNanos(Long.MAX_VALUE);
    /**
     * The longest Retry-After handed to the decorator as its cooldown: the decorator has no reset, so a broken or
     * hostile endpoint that asks for years must not stop every refresh for years. {@code getRetryAfter()} still
     * shows what the endpoint asked.
     */
    static final Duration LONGEST_RETRY_AFTER_HINT = Duration.ofHours(1);

    /** The secrets one request carried, longest first so that a secret inside another is not replaced first. */
    private final List<String> secrets;
    private final String target;
    /** The pause asked of the decorator after a refusal, or null for none. */
    private final Duration refusalCooldown;

    /**
     * @param target  what was asked, for messages, for example {@code token endpoint https://idp/token}
     * @param secrets the secrets the request carried; null and empty ones are ignored
     */
    Failures(String target, Iterable<String> secrets) {
        this(target, secrets, null);
    }

    /** @param refusalCooldown the pause asked of the decorator after a refusal, or null for none */
    Failures(String target, Iterable<String> secrets, Duration refusalCooldown) {
        this.target = target;
        this.refusalCooldown = refusalCooldown;
        Set<String> forms = new LinkedHashSet<>();
        for (String secret : secrets) {
            if (secret != null && !secret.isEmpty()) {
                forms.add(secret);
                // A server that echoes the form body echoes it URL-encoded.
                forms.add(URLEncoder.encode(secret, StandardCharsets.UTF_8));
            }
        }
        this.secrets = forms.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
    }

    /** @return scheme, host, port and path of {@code uri}: no user info, query or fragment */
    static String display(URI uri) {
        StringBuilder shown = new StringBuilder();
        if (uri.getScheme() != null) {
            shown.append(uri.getScheme()).append("://");
        }
        if (uri.getHost() != null) {
            shown.append(uri.getHost());
        }
        if (uri.getPort() != -1) {
            shown.append(':').append(uri.getPort());
        }
        if (uri.getRawPath() != null) {
            shown.append(uri.getRawPath());
        }
        return shown.toString();
    }

    /** No answer came. */
    TokenEndpointException ioFailure(IOException e) {
        return new TokenEndpointException(target + " did not answer: " + e.getClass().getSimpleName()
            + (e.getMessage() == null ? "" : " (" + clean(e.getMessage()) + ")")
            + (e instanceof ConnectException || e instanceof HttpConnectTimeoutException
                ? "; no connection was made" : "; the request may have reached it")
            + "; try again later",
            null, null, -1, null, true, redacted(e, 0));
    }

    /**
     * {@code cause}, or where its message or that of a cause of its own quotes a secret (a server that echoes the
     * request into a bad status line gets it into the JDK's {@code ProtocolException}), an {@link IOException}
     * standing in for it: the original class name and the message redacted, the same stack trace.
     */
    private Throwable redacted(Throwable cause, int depth) {
        if (cause == null || depth > 16) {
            return null;
        }
        Throwable inner = cause.getCause() == cause ? null : redacted(cause.getCause(), depth + 1);
        String message = cause.getMessage();
        if (Objects.equals(message, redact(message)) && inner == cause.getCause()) {
            return cause;
        }
        IOException copy = new IOException(cause.getClass().getName() + " (redacted)"
            + (message == null ? "" : ": " + clean(message)), inner);
        copy.setStackTrace(cause.getStackTrace());
        return copy;
    }

    /** The body was longer than the refresher reads: not read past {@code max} bytes. */
    TokenEndpointException tooLarge(int status, int max) {
        boolean transientFailure = status >= 500 || status == 429;
        return new TokenEndpointException(target + " answered " + status + " with a body over " + max
            + " bytes, not read further; " + (transientFailure ? "nothing was issued; try again later"
            : "check the URI, or raise maxResponseSize if the server's answers are that large"),
            null, null, status, null, transientFailure, null);
    }

    /** What an asynchronous exchange failed with, as a {@link TokenEndpointException}. */
    TokenEndpointException unwrap(Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
            ? failure.getCause() : failure;
        if (cause instanceof TokenEndpointException) {
            return (TokenEndpointException) cause;
        }
        return new TokenEndpointException(target + " failed: " + cause.getClass().getName(), null, null, -1, null,
            true, redacted(cause, 0));
    }

    /** The refreshing thread was interrupted, for example because the decorator abandoned the refresh. */
    TokenEndpointException interrupted(InterruptedException e) {
        return new TokenEndpointException(target + " was not awaited: the refreshing thread was interrupted",
            null, null, -1, null, true, e);
    }

    /** An answer that is not a success: an OAuth 2.0 error if the body says so, else just its status. */
    TokenEndpointException errorAnswer(HTTPResponse response, Clock clock) {
        int status = response.getStatusCode();
        JSONObject json = jsonOrNull(response.getBody());
        String error = json == null ? null : cleanOrNull(string(json, "error"));
        String description = json == null ? null : cleanOrNull(string(json, "error_description"));
        Duration retryAfter = status == 429 || status == 503
            ? retryAfter(response.getHeaderValue("Retry-After"), clock) : null;
        boolean transientFailure = status >= 500 || status == 429 || "temporarily_unavailable".equals(error);
        StringBuilder message = new StringBuilder(target).append(" answered ").append(status);
        if (error != null) {
            message.append(' ').append(error);
            if (description != null) {
                message.append(": \"").append(description).append('"');
            }
        } else {
            message.append(" with ").append(bodyKind(response)).append(", not an OAuth 2.0 error");
        }
        message.append("; ").append(advice(status, error, transientFailure));
        Duration hint = retryAfter == null || retryAfter.compareTo(LONGEST_RETRY_AFTER_HINT) <= 0 ? retryAfter
            : LONGEST_RETRY_AFTER_HINT;
        if (retryAfter != null) {
            message.append(" (Retry-After ").append(retryAfter.toSeconds()).append("s)");
        } else if (refusalCooldown != null && !transientFailure && isRefusal(status, error)) {
            hint = refusalCooldown;
            message.append(" (not asked again for ").append(refusalCooldown.toSeconds()).append("s)");
        }
        return new TokenEndpointException(message.toString(), error, description, status, retryAfter,
            transientFailure, null, hint);
    }

    /** A success status whose body is not what was expected: asking again gets the same, so not transient. */
    TokenEndpointException invalidAnswer(int status, String what, String advice) {
        return new TokenEndpointException(target + " answered " + status + " " + what + "; " + advice,
            null, null, status, null, false, null);
    }

    /** A failure before any request was sent, for example an assertion that could not be made. */
    TokenEndpointException notSent(String what, Throwable cause) {
        return new TokenEndpointException("no request sent to " + target + ": " + what, null, null, -1, null,
            false, cause);
    }

    static JSONObject jsonOrNull(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return JSONObjectUtils.parse(body);
        } catch (ParseException | RuntimeException e) {
            return null;
        }
    }

    static String string(JSONObject json, String key) {
        Object value = json.get(key);
        return value instanceof String ? (String) value : null;
    }

    static String bodyKind(HTTPResponse response) {
        String body = response.getBody();
        if (body == null || body.isBlank()) {
            return "an empty body";
        }
        String contentType = response.getHeaderValue("Content-Type");
        String kind = contentType == null ? "no Content-Type" : contentType.split(";", 2)[0].strip();
        return "a body that is no JSON object (" + oneLine(kind, 60) + ")";
    }

    /** A refusal that asking again within minutes cannot change: only a new grant or new credentials can. */
    private static boolean isRefusal(int status, String error) {
        return status == 401 || "invalid_grant".equals(error) || "invalid_client".equals(error)
            || "unauthorized_client".equals(error) || "unsupported_grant_type".equals(error);
    }

    private static String advice(int status, String error, boolean transientFailure) {
        if (transientFailure) {
            return "nothing was issued; try again later";
        }
        if ("invalid_client".equals(error) || status == 401) {
            return "check the client id and its credentials";
        }
        if ("invalid_grant".equals(error)) {
            return "the grant (refresh token or assertion) is expired, revoked or spent: obtain a new one";
        }
        if ("unauthorized_client".equals(error) || "unsupported_grant_type".equals(error)) {
            return "check that the client is registered for this grant";
        }
        if ("invalid_scope".equals(error) || "invalid_target".equals(error)) {
            return "check the requested scope, resource and audience";
        }
        if (error == null && (status == 404 || status == 405)) {
            return "check the URI";
        }
        return "asking again gets the same answer";
    }

    /**
     * Retry-After as delta-seconds or an HTTP-date (RFC 9110 §10.2.3); zero when past; null when absent,
     * unreadable, or longer than {@link #LONGEST_RETRY_AFTER}.
     */
    static Duration retryAfter(String value, Clock clock) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String trimmed = value.strip();
        try {
            Duration wait;
            if (trimmed.chars().allMatch(Character::isDigit)) {
                // More digits than a long holds is an absurd wait; take it as unreadable.
                wait = trimmed.length() > 18 ? null : Duration.ofSeconds(Long.parseLong(trimmed));
            } else {
                Duration until = Duration.between(clock.instant(),
                    ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                wait = until.isNegative() ? Duration.ZERO : until;
            }
            return wait == null || wait.compareTo(LONGEST_RETRY_AFTER) > 0 ? null : wait;
        } catch (DateTimeException | ArithmeticException | NumberFormatException e) {
            return null;
        }
    }

    private String cleanOrNull(String text) {
        return text == null ? null : clean(text);
    }

    /** Secrets replaced, then one line, then cut: cutting first could leave a secret's prefix unmatched. */
    String clean(String text) {
        return oneLine(redact(text), MAX_TEXT);
    }

    private String redact(String text) {
        if (text == null) {
            return null;
        }
        String redacted = text;
        for (String secret : secrets) {
            redacted = redacted.replace(secret, "***");
        }
        return redacted;
    }

    /**
     * Every control character (C0, DEL and C1, NEL U+0085 among them), the line and paragraph separators U+2028
     * and U+2029, and the bidirectional overrides become one space: a pipeline that breaks lines on any of them
     * must not see a forged log line (CWE-117).
     */
    private static String oneLine(String text, int max) {
        String line = LINE_BREAKING.matcher(text).replaceAll(" ").strip();
        return line.length() <= max ? line : line.substring(0, max) + "...";
    }
}
