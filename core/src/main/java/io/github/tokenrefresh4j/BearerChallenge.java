package io.github.tokenrefresh4j;

import java.net.http.HttpResponse;
import java.util.Objects;

/**
 * Reads {@code WWW-Authenticate} headers (RFC 7235 §4.1) for the one answer a new access token can fix: a
 * {@code Bearer} challenge with {@code error="invalid_token"} (RFC 6750 §3.1).
 *
 * <pre>{@code
 * // The JDK HttpClient: refresh on a 401 whose challenge says invalid_token, and on nothing else.
 * TokenRefreshConfig config = TokenRefreshConfig.custom()
 *     .refreshOnResult(BearerChallenge::isInvalidTokenResponse)
 *     .build();
 *
 * // Any other client: hand it the WWW-Authenticate values of a 401.
 * boolean fixable = response.code() == 401 && BearerChallenge.isInvalidToken(response.headers("WWW-Authenticate"));
 * }</pre>
 *
 * <p>It follows the header grammar rather than searching for substrings: auth schemes and parameter names are
 * case-insensitive, one header may carry several challenges separated by commas, several header lines are one
 * comma-separated list, parameter values may be quoted strings that contain commas, {@code =} or escaped quotes, and
 * a challenge may carry a token68 instead of parameters. So {@code Bearer realm="a, error=invalid_token"} (a quoted
 * realm), {@code Basic realm="x", error="invalid_token"} (the error belongs to Basic) and
 * {@code Bearer error="insufficient_scope"} are not invalid-token answers, while
 * {@code Basic realm="x", bearer Realm="api", ERROR=invalid_token} is. A malformed element is skipped; the rest of
 * the header is still read.
 */
public final class BearerChallenge {

    private static final String INVALID_TOKEN = "invalid_token";

    private BearerChallenge() {
    }

    /**
     * Whether any {@code Bearer} challenge among these {@code WWW-Authenticate} values says
     * {@code error="invalid_token"}.
     *
     * @param wwwAuthenticateValues every value of the response's {@code WWW-Authenticate} header, one element per
     *                              header line (an empty list when the header is absent); null elements are skipped
     * @return true if the server says the token is invalid: expired, revoked or malformed
     * @throws NullPointerException if {@code wwwAuthenticateValues} is null
     */
    public static boolean isInvalidToken(Iterable<String> wwwAuthenticateValues) {
        Objects.requireNonNull(wwwAuthenticateValues, "wwwAuthenticateValues must not be null");
        // Header lines are one comma-separated list (RFC 9110 §5.3): a parameter may follow its challenge's line.
        Parser parser = new Parser();
        for (String value : wwwAuthenticateValues) {
            if (value != null && parser.read(value)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code result} is a JDK {@link HttpResponse} with status {@code 401} whose {@code WWW-Authenticate}
     * challenges say {@code error="invalid_token"}: the one answer a new token can fix. A bare 401, a 403
     * ({@code insufficient_scope}) or anything that is no {@code HttpResponse} is not. Made to be the decorator's
     * {@code refreshOnResult}:
     * {@code TokenRefreshConfig.custom().refreshOnResult(BearerChallenge::isInvalidTokenResponse)}.
     *
     * @param result what a decorated call returned, or null
     * @return true for a 401 {@code HttpResponse} with a {@code Bearer error="invalid_token"} challenge
     */
    public static boolean isInvalidTokenResponse(Object result) {
        if (!(result instanceof HttpResponse<?>)) {
            return false;
        }
        HttpResponse<?> response = (HttpResponse<?>) result;
        return response.statusCode() == 401 && isInvalidToken(response.headers().allValues("WWW-Authenticate"));
    }

    /** A single pass over the list elements of the header, remembering which challenge a parameter belongs to. */
    private static final class Parser {

        private boolean inBearerChallenge;
        private String s;
        private int pos;

        /** @return true once an invalid_token error of a Bearer challenge was read */
        boolean read(String headerValue) {
            s = headerValue;
            pos = 0;
            while (true) {
                skipSeparators();
                if (pos >= s.length()) {
                    return false;
                }
                if (readElement()) {
                    return true;
                }
                skipToNextElement();
            }
        }

        /**
         * Reads one list element: {@code scheme}, {@code scheme token68}, {@code scheme name=value} (a challenge
         * with its first parameter) or {@code name=value} (a further parameter of the current challenge).
         */
        private boolean readElement() {
            String first = token();
            if (first.isEmpty()) {
                inBearerChallenge = false; // malformed: its parameters must not count for an earlier challenge
                return false;
            }
            int afterFirst = pos;
            skipWhitespace();
            if (at('=')) {
                return parameter(first);
            }
            inBearerChallenge = first.equalsIgnoreCase("Bearer");
            if (pos == afterFirst) {
                return false; // the scheme alone, or garbage glued to it
            }
            String name = token();
            if (name.isEmpty()) {
                return false; // a token68 that starts with a non-token character
            }
            skipWhitespace();
            return at('=') && parameter(name); // otherwise a token68: nothing for us in it
        }

        /** At the {@code =} after a parameter name. */
        private boolean parameter(String name) {
            pos++;
            skipWhitespace();
            String value = at('"') ? quotedString() : token();
            return value != null && !value.isEmpty() && inBearerChallenge
                && name.equalsIgnoreCase("error") && value.equals(INVALID_TOKEN);
        }

        private String token() {
            int start = pos;
            while (pos < s.length() && isTokenChar(s.charAt(pos))) {
                pos++;
            }
            return s.substring(start, pos);
        }

        /** @return the unescaped content, or null if the closing quote is missing */
        private String quotedString() {
            StringBuilder content = new StringBuilder();
            pos++;
            while (pos < s.length()) {
                char c = s.charAt(pos++);
                if (c == '"') {
                    return content.toString();
                }
                if (c == '\\' && pos < s.length()) {
                    c = s.charAt(pos++);
                }
                content.append(c);
            }
            return null;
        }

        /** Skips the rest of a (possibly malformed) element, honouring quoted strings, up to the next comma. */
        private void skipToNextElement() {
            while (pos < s.length() && s.charAt(pos) != ',') {
                if (s.charAt(pos) == '"') {
                    quotedString();
                } else {
                    pos++;
                }
            }
        }

        private void skipSeparators() {
            while (pos < s.length() && (s.charAt(pos) == ',' || isWhitespace(s.charAt(pos)))) {
                pos++;
            }
        }

        private void skipWhitespace() {
            while (pos < s.length() && isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        private boolean at(char c) {
            return pos < s.length() && s.charAt(pos) == c;
        }

        private static boolean isWhitespace(char c) {
            return c == ' ' || c == '\t';
        }

        /** RFC 9110 §5.6.2 tchar. */
        private static boolean isTokenChar(char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
        }
    }
}
