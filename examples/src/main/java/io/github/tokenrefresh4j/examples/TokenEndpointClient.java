package io.github.tokenrefresh4j.examples;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.github.tokenrefresh4j.AccessToken;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A minimal OAuth2 token endpoint client (RFC 6749) on the JDK {@link HttpClient}: the grants a
 * {@link io.github.tokenrefresh4j.TokenRefresher} needs, each returning an {@link AccessToken} whose expiry comes
 * from {@code expires_in}.
 *
 * <pre>{@code
 * TokenEndpointClient endpoint = new TokenEndpointClient(http, tokenUri, "orders-client", clientSecret);
 * TokenRefresher refresher = current -> current == null || current.refreshToken().isEmpty()
 *     ? endpoint.clientCredentials("orders")
 *     : endpoint.refresh(current.refreshToken().get());
 * }</pre>
 *
 * <p>Client authentication is {@code client_secret_post}. Errors are thrown as {@link TokenEndpointException},
 * whose message names the status and the OAuth2 error code, never a secret.
 */
public final class TokenEndpointClient {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private final HttpClient http;
    private final URI tokenEndpoint;
    private final String clientId;
    private final String clientSecret;
    private final Clock clock;

    /**
     * @param http          the client that sends the token requests
     * @param tokenEndpoint the token endpoint
     * @param clientId      the client id
     * @param clientSecret  the client secret
     * @throws NullPointerException naming the parameter that is null
     */
    public TokenEndpointClient(HttpClient http, URI tokenEndpoint, String clientId, String clientSecret) {
        this(http, tokenEndpoint, clientId, clientSecret, Clock.systemUTC());
    }

    /**
     * @param clock turns {@code expires_in} into an expiry instant; pass the decorator's clock
     * @see #TokenEndpointClient(HttpClient, URI, String, String)
     */
    public TokenEndpointClient(HttpClient http, URI tokenEndpoint, String clientId, String clientSecret,
                               Clock clock) {
        this.http = Objects.requireNonNull(http, "http must not be null");
        this.tokenEndpoint = Objects.requireNonNull(tokenEndpoint, "tokenEndpoint must not be null");
        this.clientId = Objects.requireNonNull(clientId, "clientId must not be null");
        this.clientSecret = Objects.requireNonNull(clientSecret, "clientSecret must not be null");
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
    }

    /** The {@code client_credentials} grant (RFC 6749 §4.4). */
    public AccessToken clientCredentials(String scope) throws IOException, InterruptedException {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        form.put("scope", Objects.requireNonNull(scope, "scope must not be null"));
        return request(form);
    }

    /** The {@code authorization_code} grant (RFC 6749 §4.1.3). */
    public AccessToken authorizationCode(String code, URI redirectUri) throws IOException, InterruptedException {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("code", Objects.requireNonNull(code, "code must not be null"));
        form.put("redirect_uri", Objects.requireNonNull(redirectUri, "redirectUri must not be null").toString());
        return request(form);
    }

    /**
     * The {@code refresh_token} grant (RFC 6749 §6). If the response carries no new refresh token, the one
     * presented stays with the new access token.
     */
    public AccessToken refresh(String refreshToken) throws IOException, InterruptedException {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "refresh_token");
        form.put("refresh_token", Objects.requireNonNull(refreshToken, "refreshToken must not be null"));
        AccessToken token = request(form);
        return token.refreshToken().isPresent() ? token : token.withRefreshToken(refreshToken);
    }

    private AccessToken request(Map<String, String> form) throws IOException, InterruptedException {
        form.put("client_id", clientId);
        form.put("client_secret", clientSecret);
        String body = form.entrySet().stream()
            .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
            .collect(Collectors.joining("&"));
        HttpRequest request = HttpRequest.newBuilder(tokenEndpoint)
            .timeout(REQUEST_TIMEOUT)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        Map<String, Object> json = parse(response);
        if (response.statusCode() != 200) {
            throw new TokenEndpointException(response.statusCode(), stringOrNull(json, "error"));
        }
        String accessToken = stringOrNull(json, "access_token");
        Object expiresIn = json.get("expires_in");
        if (accessToken == null || !(expiresIn instanceof Number)) {
            throw new TokenEndpointException(response.statusCode(), "response without access_token or expires_in");
        }
        AccessToken token = AccessToken.of(accessToken,
            clock.instant().plusSeconds(((Number) expiresIn).longValue()));
        String refreshToken = stringOrNull(json, "refresh_token");
        return refreshToken == null ? token : token.withRefreshToken(refreshToken);
    }

    private static Map<String, Object> parse(HttpResponse<String> response) throws TokenEndpointException {
        try {
            return JSONObjectUtils.parse(response.body());
        } catch (ParseException e) {
            // The body may echo a secret back, so only the status goes into the message.
            throw new TokenEndpointException(response.statusCode(), "response is not a JSON object");
        }
    }

    private static String stringOrNull(Map<String, Object> json, String key) {
        Object value = json.get(key);
        return value instanceof String ? (String) value : null;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** The token endpoint answered with an error. Server errors (5xx) are {@link #isTransient() transient}. */
    public static final class TokenEndpointException extends IOException {

        private static final long serialVersionUID = 1L;

        private final int statusCode;

        TokenEndpointException(int statusCode, String error) {
            super("token endpoint answered " + statusCode + (error == null ? "" : " (" + error + ")"));
            this.statusCode = statusCode;
        }

        /** @return the HTTP status of the token endpoint's answer */
        public int statusCode() {
            return statusCode;
        }

        /** @return true if trying again later may succeed: the endpoint failed (5xx), not the request (4xx) */
        public boolean isTransient() {
            return statusCode >= 500;
        }
    }
}
