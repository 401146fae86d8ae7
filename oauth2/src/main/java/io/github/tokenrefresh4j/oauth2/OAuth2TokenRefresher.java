package io.github.tokenrefresh4j.oauth2;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObject;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.JWTBearerGrant;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.JWTAuthenticationClaimsSet;
import com.nimbusds.oauth2.sdk.auth.PlainClientSecret;
import com.nimbusds.oauth2.sdk.auth.PrivateKeyJWT;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.auth.TLSClientAuthentication;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.Audience;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.JWTID;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.oauth2.sdk.token.Tokens;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefresher;
import net.minidev.json.JSONObject;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A {@link TokenRefresher} that asks an OAuth 2.0 token endpoint (RFC 6749) for each new token, through the Nimbus
 * OAuth 2.0 SDK: the client-credentials grant, the refresh-token grant with rotation, or the JWT-bearer grant
 * (RFC 7523), with {@code client_secret_basic}, {@code client_secret_post} or {@code private_key_jwt} client
 * authentication.
 *
 * <pre>{@code
 * TokenRefresher refresher = OAuth2TokenRefresher.clientCredentials(tokenEndpoint, "orders-client", clientSecret)
 *     .scope("orders.read", "orders.write")
 *     .build();
 *
 * TokenRefresher refresher = OAuth2TokenRefresher.fromIssuer(URI.create("https://idp.example.com/realms/shop"))
 *     .privateKeyJwt("orders-client", privateKey, "key-2025")
 *     .refreshTokenGrant(refreshTokenFromSignIn)
 *     .fallbackToClientCredentials()
 *     .build();
 * TokenRefreshDecorator tokens = TokenRefreshDecorator.of("orders-api", TokenRefreshConfig.ofDefaults(), refresher);
 * }</pre>
 *
 * <p><b>Expiry.</b> A token expires {@code expires_in} after the response; without {@code expires_in}, at the
 * {@code exp} claim of the access token when it is a JWT (read without verifying its signature: the client does
 * not hold the key); else after the {@linkplain Builder#defaultLifetime(Duration) default lifetime}; else never,
 * and the decorator then relies on the API rejecting it.
 *
 * <p><b>Rotation.</b> The refresh-token grant presents the refresh token of the token being replaced when it has
 * one (unless this refresher already received its replacement: a refresh the decorator abandoned may have rotated
 * it), else the latest refresh token this refresher received, else the initial one. A response with a new refresh
 * token replaces it; a response without one keeps the one presented (RFC 6749 §6). The token returned carries the
 * refresh token that is now current. A refresh that ends after another one that started later (one the decorator
 * abandoned past its {@code refreshTimeout}) leaves the latter's refresh token in place. Give each refresh-token
 * refresher to one decorator: two refreshes at once would present the same refresh token.
 *
 * <p><b>Transport.</b> Requests go through the JDK {@link HttpClient}, which never sends a POST twice on its own:
 * a refresh-token grant reaches the server once per refresh. Redirects are not followed.
 *
 * <p><b>Failures.</b> Every failure is a {@link TokenEndpointException}; its message names the endpoint by scheme,
 * host and path, and carries no secret of the request. Requests are logged through {@link System.Logger} (at
 * {@code DEBUG}, a refused refresh token that falls back at {@code WARNING}), never with a body.
 *
 * <p>Thread-safe. Its only state is the current refresh token (with the one it replaced) and the endpoint found by
 * discovery.
 */
public final class OAuth2TokenRefresher implements TokenRefresher {

    /** How long a connection to the token endpoint may take to open. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** How long the token endpoint may take to answer. With the connect timeout, below the decorator's default
     * {@code refreshTimeout} of 10 s. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(5);
    /** How long a {@code private_key_jwt} client assertion is valid. */
    public static final Duration ASSERTION_LIFETIME = Duration.ofSeconds(60);

    private static final System.Logger LOG = System.getLogger(OAuth2TokenRefresher.class.getName());
    private static final String INVALID_GRANT = "invalid_grant";
    /** Headers the JDK client sets itself and refuses from the caller. */
    private static final Set<String> RESTRICTED_HEADERS = Set.of("content-length", "host", "connection", "expect",
        "upgrade");

    private enum Grant {
        CLIENT_CREDENTIALS("client_credentials"), REFRESH_TOKEN("refresh_token"), JWT_BEARER("jwt-bearer");

        final String shown;

        Grant(String shown) {
            this.shown = shown;
        }
    }

    /** Makes the client authentication of one request; private_key_jwt needs the endpoint for its audience. */
    @FunctionalInterface
    private interface ClientAuthenticator {
        ClientAuthentication authenticate(URI tokenEndpoint, Instant now) throws JOSEException;
    }

    private final URI issuer;
    private final String clientId;
    private final String clientAuthenticationMethod;
    private final ClientAuthenticator authenticator;
    private final Grant grant;
    private final Supplier<String> assertion;
    private final boolean fallbackToClientCredentials;
    private final Scope scope;
    private final List<URI> resources;
    private final String audience;
    private final Duration defaultLifetime;
    private final Duration readTimeout;
    private final HttpClient http;
    private final Clock clock;

    /** Null until discovery found it, when built with {@link #fromIssuer(URI)}. */
    private volatile URI tokenEndpoint;
    private final ReentrantLock discovery = new ReentrantLock();
    /** The refresh token to present when the token being replaced has none, and the one it replaced. */
    private final AtomicReference<Rotation> rotation;

    /**
     * @param latest the refresh token to present when the token being replaced has none; null after one was refused
     *               and the refresher fell back to client credentials, which issued none
     * @param spent  the refresh token the request that gave {@code latest} presented, when that request replaced
     *               it; null when it kept it
     */
    private record Rotation(String latest, String spent) {
    }

    private OAuth2TokenRefresher(Builder builder) {
        this.tokenEndpoint = builder.tokenEndpoint;
        this.issuer = builder.issuer;
        this.clientId = builder.clientId;
        this.clientAuthenticationMethod = builder.clientAuthenticationMethod;
        this.authenticator = builder.authenticator;
        this.grant = builder.grant;
        this.assertion = builder.assertion;
        this.fallbackToClientCredentials = builder.fallbackToClientCredentials;
        this.scope = builder.scope;
        this.resources = List.copyOf(builder.resources);
        this.audience = builder.audience;
        this.defaultLifetime = builder.defaultLifetime;
        this.readTimeout = builder.readTimeout;
        // Redirects are not followed: a token endpoint that redirects is misconfigured, and the credentials
        // must not follow it elsewhere.
        this.http = HttpClient.newBuilder().connectTimeout(builder.connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER).build();
        this.clock = builder.clock;
        this.rotation = new AtomicReference<>(new Rotation(builder.initialRefreshToken, null));
    }

    /**
     * The client-credentials grant (RFC 6749 §4.4) with {@code client_secret_basic}.
     *
     * @param tokenEndpoint the token endpoint, an absolute http or https URI
     * @param clientId      the client id
     * @param clientSecret  the client secret
     * @return a builder with the client authentication and the grant set
     * @throws NullPointerException     naming the parameter that is null
     * @throws IllegalArgumentException naming the parameter that is invalid
     */
    public static Builder clientCredentials(URI tokenEndpoint, String clientId, String clientSecret) {
        return builder(tokenEndpoint).clientSecretBasic(clientId, clientSecret).clientCredentialsGrant();
    }

    /**
     * The refresh-token grant (RFC 6749 §6) with {@code client_secret_basic}, starting from
     * {@code initialRefreshToken}.
     *
     * @param tokenEndpoint       the token endpoint, an absolute http or https URI
     * @param clientId            the client id
     * @param clientSecret        the client secret
     * @param initialRefreshToken the refresh token to present first, for example from the sign-in
     * @return a builder with the client authentication and the grant set
     * @throws NullPointerException     naming the parameter that is null
     * @throws IllegalArgumentException naming the parameter that is invalid
     */
    public static Builder refreshToken(URI tokenEndpoint, String clientId, String clientSecret,
                                       String initialRefreshToken) {
        return builder(tokenEndpoint).clientSecretBasic(clientId, clientSecret)
            .refreshTokenGrant(initialRefreshToken);
    }

    /**
     * The general form: choose a client authentication and a grant.
     *
     * @param tokenEndpoint the token endpoint, an absolute http or https URI
     * @return a new builder
     * @throws NullPointerException     if {@code tokenEndpoint} is null
     * @throws IllegalArgumentException if {@code tokenEndpoint} is not an absolute http or https URI
     */
    public static Builder builder(URI tokenEndpoint) {
        return new Builder(checkHttpUri(tokenEndpoint, "tokenEndpoint"), null);
    }

    /**
     * The general form, with the token endpoint discovered from the issuer's metadata at the first refresh, once:
     * first {@code {issuer}/.well-known/openid-configuration} (OpenID Connect Discovery), then
     * {@code /.well-known/oauth-authorization-server{issuer path}} (RFC 8414). A failed discovery is tried again at
     * the next refresh.
     *
     * @param issuer the issuer identifier, an absolute http or https URI without query or fragment
     * @return a new builder
     * @throws NullPointerException     if {@code issuer} is null
     * @throws IllegalArgumentException if {@code issuer} is not such a URI
     */
    public static Builder fromIssuer(URI issuer) {
        checkHttpUri(issuer, "issuer");
        if (issuer.getRawQuery() != null || issuer.getRawFragment() != null) {
            throw new IllegalArgumentException("issuer must have no query or fragment (RFC 8414 §2), was "
                + Failures.display(issuer) + "?...");
        }
        return new Builder(null, issuer);
    }

    /**
     * Asks the token endpoint for a new token.
     *
     * @param current the token being replaced, or null; its refresh token, if any, is the one presented
     * @return the new token
     * @throws TokenEndpointException when no token was obtained
     */
    @Override
    public AccessToken refresh(AccessToken current) throws TokenEndpointException {
        URI endpoint = tokenEndpoint();
        switch (grant) {
            case CLIENT_CREDENTIALS:
                return request(endpoint, new ClientCredentialsGrant(), Grant.CLIENT_CREDENTIALS, null);
            case JWT_BEARER:
                return request(endpoint, jwtBearerGrant(endpoint), Grant.JWT_BEARER, null);
            default:
                return refreshTokenGrant(endpoint, current);
        }
    }

    private AccessToken refreshTokenGrant(URI endpoint, AccessToken current) throws TokenEndpointException {
        Rotation before = rotation.get();
        String offered = current == null ? null : current.refreshToken().orElse(null);
        // The decorator's token may predate a refresh it abandoned past its refreshTimeout that rotated all the
        // same: a refresh token this refresher saw replaced is spent, and presenting it again is a reuse.
        String presented = offered != null && !offered.equals(before.spent()) ? offered : before.latest();
        AccessToken token;
        if (presented == null) {
            // Only after a refused refresh token, with fallbackToClientCredentials().
            token = request(endpoint, new ClientCredentialsGrant(), Grant.CLIENT_CREDENTIALS, null);
        } else {
            try {
                token = request(endpoint, new RefreshTokenGrant(new RefreshToken(presented)), Grant.REFRESH_TOKEN,
                    presented);
            } catch (TokenEndpointException e) {
                if (!fallbackToClientCredentials || !e.getError().filter(INVALID_GRANT::equals).isPresent()) {
                    throw e;
                }
                LOG.log(System.Logger.Level.WARNING, () -> "refresh token refused (invalid_grant) by "
                    + Failures.display(endpoint) + "; falling back to the client_credentials grant");
                token = request(endpoint, new ClientCredentialsGrant(), Grant.CLIENT_CREDENTIALS, null);
            }
        }
        // Only when no other refresh replaced it meanwhile: a refresh the decorator abandoned past its
        // refreshTimeout may end after the next one, and must not put back the refresh token it presented (or
        // none, after a fallback) over the one the next refresh received.
        String now = token.refreshToken().orElse(null);
        rotation.compareAndSet(before, new Rotation(now, presented != null && !presented.equals(now) ? presented
            : null));
        return token;
    }

    private JWTBearerGrant jwtBearerGrant(URI endpoint) throws TokenEndpointException {
        Failures failures = new Failures("token endpoint " + Failures.display(endpoint), List.of());
        String jwt;
        try {
            jwt = assertion.get();
        } catch (RuntimeException e) {
            throw failures.notSent("the assertion supplier threw " + e.getClass().getName(), e);
        }
        if (jwt == null) {
            throw failures.notSent("the assertion supplier returned null", null);
        }
        try {
            return JWTBearerGrant.parse(Map.of("grant_type", List.of(GrantType.JWT_BEARER.getValue()),
                "assertion", List.of(jwt)));
        } catch (ParseException e) {
            // The parser's message may quote the assertion, so it is left out.
            throw failures.notSent("the assertion supplier returned no signed or encrypted JWT", null);
        }
    }

    private AccessToken request(URI endpoint, AuthorizationGrant authorizationGrant, Grant kind,
                                String presentedRefreshToken) throws TokenEndpointException {
        String target = "token endpoint " + Failures.display(endpoint);
        ClientAuthentication clientAuthentication;
        try {
            clientAuthentication = authenticator.authenticate(endpoint, clock.instant());
        } catch (JOSEException | RuntimeException e) {
            throw new Failures(target, List.of()).notSent("the client assertion could not be signed: "
                + e.getClass().getSimpleName(), e);
        }
        TokenRequest.Builder tokenRequest = new TokenRequest.Builder(endpoint, clientAuthentication,
            authorizationGrant);
        if (scope != null) {
            tokenRequest.scope(scope);
        }
        if (!resources.isEmpty()) {
            tokenRequest.resources(resources.toArray(new URI[0]));
        }
        if (audience != null) {
            tokenRequest.customParameter("audience", audience);
        }
        HTTPRequest http = tokenRequest.build().toHTTPRequest();
        http.setAccept("application/json");
        Failures failures = new Failures(target + " (" + kind.shown + ")", secretsOf(http, clientAuthentication));
        HTTPResponse response = send(http, failures);
        int status = response.getStatusCode();
        LOG.log(System.Logger.Level.DEBUG, () -> "token request to " + Failures.display(endpoint) + " ("
            + kind.shown + ") answered " + status);
        if (status / 100 != 2) {
            throw failures.errorAnswer(response, clock);
        }
        JSONObject json = Failures.jsonOrNull(response.getBody());
        if (json == null) {
            throw failures.invalidAnswer(status, "with " + Failures.bodyKind(response) + ", not a token response",
                "check that the URI is the token endpoint");
        }
        Tokens tokens;
        try {
            tokens = AccessTokenResponse.parse(json).getTokens();
        } catch (ParseException e) {
            // The parser's message may quote a token, so only what is missing goes into ours.
            throw failures.invalidAnswer(status, "with a JSON body that is not a token response ("
                + missingField(json) + ")", "check that the URI is the token endpoint and the server follows RFC 6749");
        }
        return accessToken(tokens, presentedRefreshToken);
    }

    /**
     * Sends through the JDK {@link HttpClient}, not the SDK's default {@code HttpURLConnection}: that one sends a
     * POST a second time when the connection drops before the answer, which on a rotating refresh-token grant
     * presents a refresh token the server may have just spent. The JDK client retries no POST, and its send can be
     * interrupted.
     */
    private HTTPResponse send(HTTPRequest request, Failures failures) throws TokenEndpointException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(request.getURI()).timeout(readTimeout);
        request.getHeaderMap().forEach((name, values) -> {
            if (!RESTRICTED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> builder.header(name, value));
            }
        });
        String body = request.getBody();
        builder.method(request.getMethod().name(), body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
        // The request timeout ends when the headers arrive; the deadline on the future bounds the body as well, so
        // an endpoint that sends its headers and then stalls cannot hold the refreshing thread.
        CompletableFuture<HttpResponse<String>> exchange = http.sendAsync(builder.build(),
            HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> response;
        try {
            response = exchange.get(readTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw failures.ioFailure(new HttpTimeoutException("no complete answer within " + readTimeout.toMillis()
                + " ms"));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException) {
                throw failures.ioFailure((IOException) cause);
            }
            throw failures.ioFailure(new IOException("the HTTP client failed: " + cause.getClass().getName(), cause));
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            throw failures.interrupted(e);
        }
        HTTPResponse answer = new HTTPResponse(response.statusCode());
        response.headers().map().forEach((name, values) -> answer.setHeader(name, values.toArray(new String[0])));
        answer.setBody(response.body());
        return answer;
    }

    private static String missingField(JSONObject json) {
        if (!(json.get("access_token") instanceof String)) {
            return "no access_token";
        }
        if (!(json.get("token_type") instanceof String)) {
            return "no token_type";
        }
        return "token_type is neither Bearer nor DPoP, or a field has the wrong type";
    }

    /** The values a server that echoes the request could send back. */
    private static List<String> secretsOf(HTTPRequest http, ClientAuthentication clientAuthentication) {
        List<String> secrets = new ArrayList<>();
        if (clientAuthentication instanceof PlainClientSecret) {
            secrets.add(((PlainClientSecret) clientAuthentication).getClientSecret().getValue());
        }
        String authorization = http.getAuthorization();
        if (authorization != null) {
            secrets.add(authorization);
            int space = authorization.indexOf(' ');
            secrets.add(space < 0 ? authorization : authorization.substring(space + 1));
        }
        try {
            Map<String, List<String>> form = http.getBodyAsFormParameters();
            for (String name : List.of("client_secret", "client_assertion", "assertion", "refresh_token")) {
                secrets.addAll(form.getOrDefault(name, List.of()));
            }
        } catch (ParseException e) {
            // The SDK always writes a form body; nothing more to collect.
        }
        return secrets;
    }

    private AccessToken accessToken(Tokens tokens, String presentedRefreshToken) {
        String value = tokens.getAccessToken().getValue();
        Instant now = clock.instant();
        long lifetime = tokens.getAccessToken().getLifetime();
        Instant expiresAt;
        if (lifetime > 0) {
            expiresAt = after(now, Duration.ofSeconds(lifetime));
        } else {
            expiresAt = jwtExpiry(value);
            if (expiresAt == null && defaultLifetime != null) {
                expiresAt = after(now, defaultLifetime);
            }
        }
        AccessToken token = expiresAt == null ? AccessToken.of(value) : AccessToken.of(value, expiresAt);
        String refresh = tokens.getRefreshToken() != null ? tokens.getRefreshToken().getValue() : presentedRefreshToken;
        return refresh == null ? token : token.withRefreshToken(refresh);
    }

    /** @return {@code now + lifetime}, or null (no expiry) when that is past what an Instant holds */
    private static Instant after(Instant now, Duration lifetime) {
        try {
            return now.plus(lifetime);
        } catch (DateTimeException | ArithmeticException e) {
            return null;
        }
    }

    /**
     * @return the {@code exp} claim, or null when the token is no signed or plain JWT, has none, or it is past what
     *         an Instant holds. Read from the payload, not as a {@link Date}: the SDK multiplies the seconds by 1000
     *         in a long, which wraps a far-future {@code exp} into the past.
     */
    private static Instant jwtExpiry(String value) {
        try {
            JWT jwt = JWTParser.parse(value);
            if (!(jwt instanceof SignedJWT) && !(jwt instanceof PlainJWT)) {
                return null;
            }
            Object exp = ((JOSEObject) jwt).getPayload().toJSONObject().get("exp");
            return exp instanceof Number ? Instant.ofEpochSecond(((Number) exp).longValue()) : null;
        } catch (java.text.ParseException | RuntimeException e) {
            return null;
        }
    }

    private URI tokenEndpoint() throws TokenEndpointException {
        URI endpoint = tokenEndpoint;
        if (endpoint != null) {
            return endpoint;
        }
        try {
            // Interruptibly: an abandoned refresh may hold the lock for up to two metadata requests.
            discovery.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failures("metadata of issuer " + Failures.display(issuer), List.of()).interrupted(e);
        }
        try {
            if (tokenEndpoint == null) {
                tokenEndpoint = discover();
            }
            return tokenEndpoint;
        } finally {
            discovery.unlock();
        }
    }

    private URI discover() throws TokenEndpointException {
        String issuerText = issuer.toString();
        String withoutSlash = issuerText.endsWith("/") ? issuerText.substring(0, issuerText.length() - 1)
            : issuerText;
        String path = issuer.getRawPath() == null || "/".equals(issuer.getRawPath()) ? ""
            : issuer.getRawPath().replaceAll("/$", "");
        URI openIdConfiguration = URI.create(withoutSlash + "/.well-known/openid-configuration");
        URI authorizationServer = URI.create(issuer.getScheme() + "://" + issuer.getRawAuthority()
            + "/.well-known/oauth-authorization-server" + path);
        TokenEndpointException first;
        try {
            return tokenEndpointFrom(openIdConfiguration, withoutSlash);
        } catch (TokenEndpointException e) {
            first = e;
        }
        try {
            return tokenEndpointFrom(authorizationServer, withoutSlash);
        } catch (TokenEndpointException e) {
            e.addSuppressed(first);
            throw e;
        }
    }

    private URI tokenEndpointFrom(URI metadata, String expectedIssuer) throws TokenEndpointException {
        Failures failures = new Failures("metadata of issuer " + Failures.display(issuer) + " at "
            + Failures.display(metadata), List.of());
        HTTPRequest http = new HTTPRequest(HTTPRequest.Method.GET, metadata);
        http.setAccept("application/json");
        HTTPResponse response = send(http, failures);
        int status = response.getStatusCode();
        if (status != 200) {
            throw failures.errorAnswer(response, clock);
        }
        JSONObject json = Failures.jsonOrNull(response.getBody());
        if (json == null) {
            throw failures.invalidAnswer(status, "with " + Failures.bodyKind(response), "check the issuer URI");
        }
        String announced = Failures.string(json, "issuer");
        if (announced == null || !expectedIssuer.equals(announced.replaceAll("/$", ""))) {
            throw failures.invalidAnswer(status, "for another issuer", "check the issuer URI (RFC 8414 §3.3)");
        }
        String endpoint = Failures.string(json, "token_endpoint");
        try {
            URI uri = endpoint == null ? null : new URI(endpoint);
            if (uri == null || !isHttpUri(uri)) {
                throw failures.invalidAnswer(status, "without an http or https token_endpoint",
                    "configure the token endpoint with builder(URI)");
            }
            LOG.log(System.Logger.Level.DEBUG, () -> "discovered token endpoint " + Failures.display(uri)
                + " at " + Failures.display(metadata));
            return uri;
        } catch (URISyntaxException e) {
            throw failures.invalidAnswer(status, "with a token_endpoint that is no URI",
                "configure the token endpoint with builder(URI)");
        }
    }

    private static boolean isHttpUri(URI uri) {
        return uri.isAbsolute() && uri.getHost() != null
            && ("https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()));
    }

    private static URI checkHttpUri(URI uri, String name) {
        Objects.requireNonNull(uri, name + " must not be null");
        if (!isHttpUri(uri)) {
            throw new IllegalArgumentException(name + " must be an absolute http or https URI with a host, was "
                + Failures.display(uri));
        }
        return uri;
    }

    /** Shows the endpoint, the client id, the client authentication method and the grant; never a secret. */
    @Override
    public String toString() {
        URI endpoint = tokenEndpoint;
        return "OAuth2TokenRefresher{"
            + (endpoint != null ? "tokenEndpoint=" + Failures.display(endpoint) : "issuer=" + Failures.display(issuer))
            + ", clientId=" + clientId
            + ", clientAuthentication=" + clientAuthenticationMethod
            + ", grant=" + grant.shown
            + (fallbackToClientCredentials ? ", fallbackToClientCredentials" : "")
            + (scope == null ? "" : ", scope=" + scope)
            + (resources.isEmpty() ? "" : ", resources=" + resources.stream().map(Failures::display).toList())
            + (audience == null ? "" : ", audience=" + audience)
            + '}';
    }

    /**
     * Builds an {@link OAuth2TokenRefresher}: one client authentication and one grant are required; a second call
     * of either kind replaces the first. Every method checks its input at once and throws naming the parameter.
     */
    public static final class Builder {

        private final URI tokenEndpoint;
        private final URI issuer;
        private String clientId;
        private String clientAuthenticationMethod;
        private ClientAuthenticator authenticator;
        private Grant grant;
        private String initialRefreshToken;
        private Supplier<String> assertion;
        private boolean fallbackToClientCredentials;
        private Scope scope;
        private final List<URI> resources = new ArrayList<>();
        private String audience;
        private Duration defaultLifetime;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration readTimeout = DEFAULT_READ_TIMEOUT;
        private Clock clock = Clock.systemUTC();

        private Builder(URI tokenEndpoint, URI issuer) {
            this.tokenEndpoint = tokenEndpoint;
            this.issuer = issuer;
        }

        /** Client authentication with HTTP Basic (RFC 6749 §2.3.1): every server supports it. */
        public Builder clientSecretBasic(String clientId, String clientSecret) {
            ClientID id = new ClientID(requireText(clientId, "clientId"));
            Secret secret = new Secret(requireText(clientSecret, "clientSecret"));
            return authentication(clientId, "client_secret_basic",
                (endpoint, now) -> new ClientSecretBasic(id, secret));
        }

        /** Client authentication with the secret in the form body (RFC 6749 §2.3.1). */
        public Builder clientSecretPost(String clientId, String clientSecret) {
            ClientID id = new ClientID(requireText(clientId, "clientId"));
            Secret secret = new Secret(requireText(clientSecret, "clientSecret"));
            return authentication(clientId, "client_secret_post",
                (endpoint, now) -> new ClientSecretPost(id, secret));
        }

        /**
         * Client authentication with a JWT signed by the client's private key (RFC 7523 §2.2, OpenID Connect
         * {@code private_key_jwt}): a fresh assertion per request, with a new {@code jti}, {@code aud} the token
         * endpoint and a lifetime of {@link #ASSERTION_LIFETIME}. RS256 for an RSA key; ES256, ES384 or ES512 for
         * an EC key on P-256, P-384 or P-521.
         *
         * @param clientId   the client id, the assertion's issuer and subject
         * @param privateKey an RSA (2048 bits or more) or EC private key
         * @param keyId      the {@code kid} header that names the key in the client's JWKS, or null
         * @throws IllegalArgumentException naming {@code privateKey} when it cannot sign such an assertion
         */
        public Builder privateKeyJwt(String clientId, PrivateKey privateKey, String keyId) {
            ClientID id = new ClientID(requireText(clientId, "clientId"));
            Objects.requireNonNull(privateKey, "privateKey must not be null");
            JWSAlgorithm algorithm = algorithmOf(privateKey);
            ClientAuthenticator signer = (endpoint, now) -> new PrivateKeyJWT(
                new JWTAuthenticationClaimsSet(id, List.of(new Audience(endpoint.toString())),
                    Date.from(now.plus(ASSERTION_LIFETIME)), null, Date.from(now), new JWTID()),
                algorithm, privateKey, keyId, null);
            try {
                // Sign once now, so that a key the signer refuses (an RSA key under 2048 bits) fails here.
                signer.authenticate(URI.create("https://example.invalid/token"), Instant.now());
            } catch (JOSEException | RuntimeException e) {
                throw new IllegalArgumentException("privateKey cannot sign a " + algorithm
                    + " client assertion: " + e.getMessage(), e);
            }
            return authentication(clientId, "private_key_jwt", signer);
        }

        /**
         * Any client authentication the Nimbus SDK offers, sent as is with every request. For
         * {@code private_key_jwt} prefer {@link #privateKeyJwt}, which signs a fresh assertion per request. For
         * {@code tls_client_auth} and {@code self_signed_tls_client_auth}, give no {@code SSLSocketFactory}: the JDK
         * {@link HttpClient} presents the certificate of the default {@code SSLContext} (the
         * {@code javax.net.ssl.keyStore} system properties).
         *
         * @throws IllegalArgumentException if {@code clientAuthentication} carries its own {@code SSLSocketFactory},
         *                                  which the JDK {@link HttpClient} cannot use
         */
        public Builder clientAuthentication(ClientAuthentication clientAuthentication) {
            Objects.requireNonNull(clientAuthentication, "clientAuthentication must not be null");
            if (clientAuthentication instanceof TLSClientAuthentication
                && ((TLSClientAuthentication) clientAuthentication).getSSLSocketFactory() != null) {
                throw new IllegalArgumentException("clientAuthentication must not carry its own SSLSocketFactory: "
                    + "requests go through the JDK HttpClient, which would not present its certificate; put the "
                    + "client certificate in the default SSLContext (javax.net.ssl.keyStore) instead");
            }
            return authentication(clientAuthentication.getClientID().getValue(),
                clientAuthentication.getMethod().getValue(), (endpoint, now) -> clientAuthentication);
        }

        private Builder authentication(String clientId, String method, ClientAuthenticator authenticator) {
            this.clientId = clientId;
            this.clientAuthenticationMethod = method;
            this.authenticator = authenticator;
            return this;
        }

        /** The client-credentials grant (RFC 6749 §4.4): a token for the client itself. */
        public Builder clientCredentialsGrant() {
            return grant(Grant.CLIENT_CREDENTIALS, null, null);
        }

        /**
         * The refresh-token grant (RFC 6749 §6), with rotation: see the class description.
         *
         * @param initialRefreshToken the refresh token to present while no later one is known
         */
        public Builder refreshTokenGrant(String initialRefreshToken) {
            return grant(Grant.REFRESH_TOKEN, requireText(initialRefreshToken, "initialRefreshToken"), null);
        }

        /**
         * The JWT-bearer grant (RFC 7523 §2.1): the supplier gives a fresh signed (or encrypted) JWT assertion for
         * each request, for example from a workload identity.
         *
         * @param assertion gives the assertion, called once per request on the refreshing thread
         */
        public Builder jwtBearerGrant(Supplier<String> assertion) {
            return grant(Grant.JWT_BEARER, null, Objects.requireNonNull(assertion, "assertion must not be null"));
        }

        private Builder grant(Grant grant, String initialRefreshToken, Supplier<String> assertion) {
            this.grant = grant;
            this.initialRefreshToken = initialRefreshToken;
            this.assertion = assertion;
            return this;
        }

        /**
         * With the refresh-token grant: when the refresh token is refused with {@code invalid_grant}, ask for a
         * token with the client-credentials grant instead, and keep doing so until a response brings a refresh
         * token again.
         */
        public Builder fallbackToClientCredentials() {
            this.fallbackToClientCredentials = true;
            return this;
        }

        /**
         * The scope to request (RFC 6749 §3.3), replacing any set before.
         *
         * @param scopes one or more scope tokens, each without spaces
         */
        public Builder scope(String... scopes) {
            Objects.requireNonNull(scopes, "scopes must not be null");
            if (scopes.length == 0) {
                throw new IllegalArgumentException("scopes must not be empty");
            }
            for (String scope : scopes) {
                Objects.requireNonNull(scope, "scope must not be null");
                if (scope.isEmpty() || !scope.chars().allMatch(c -> c > 0x20 && c != 0x22 && c != 0x5C && c < 0x7F)) {
                    throw new IllegalArgumentException("scope must be a non-empty scope token without spaces, "
                        + "quotes or backslashes (RFC 6749 §3.3), was \"" + scope + '"');
                }
            }
            this.scope = new Scope(Arrays.copyOf(scopes, scopes.length));
            return this;
        }

        /**
         * A resource the token is for (RFC 8707); call again for more than one.
         *
         * @param resource an absolute URI without fragment
         */
        public Builder resource(URI resource) {
            Objects.requireNonNull(resource, "resource must not be null");
            if (!resource.isAbsolute() || resource.getRawFragment() != null) {
                throw new IllegalArgumentException("resource must be an absolute URI without fragment (RFC 8707 §2),"
                    + " was " + resource);
            }
            resources.add(resource);
            return this;
        }

        /** The {@code audience} parameter that Auth0, Okta and others read instead of {@code resource}. */
        public Builder audience(String audience) {
            this.audience = requireText(audience, "audience");
            return this;
        }

        /** How long a token lives when the response has no {@code expires_in} and the token is no JWT. */
        public Builder defaultLifetime(Duration defaultLifetime) {
            this.defaultLifetime = requirePositive(defaultLifetime, "defaultLifetime");
            return this;
        }

        /** How long opening a connection may take; default {@link #DEFAULT_CONNECT_TIMEOUT}. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = requireMillis(connectTimeout, "connectTimeout");
            return this;
        }

        /**
         * How long the endpoint may take to answer, from the request sent to the answer's last byte; default
         * {@link #DEFAULT_READ_TIMEOUT}. Keep the
         * connect and read timeouts together below the decorator's {@code refreshTimeout}.
         */
        public Builder readTimeout(Duration readTimeout) {
            this.readTimeout = requireMillis(readTimeout, "readTimeout");
            return this;
        }

        /** The clock that turns {@code expires_in} into an instant; pass the decorator's clock if it has one. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock must not be null");
            return this;
        }

        /**
         * @return the refresher
         * @throws IllegalStateException when no client authentication or no grant was chosen, or
         *                               {@code fallbackToClientCredentials()} was set without the refresh-token
         *                               grant
         */
        public OAuth2TokenRefresher build() {
            if (authenticator == null) {
                throw new IllegalStateException("clientAuthentication is missing: call clientSecretBasic(..), "
                    + "clientSecretPost(..), privateKeyJwt(..) or clientAuthentication(..) before build()");
            }
            if (grant == null) {
                throw new IllegalStateException("grant is missing: call clientCredentialsGrant(), "
                    + "refreshTokenGrant(..) or jwtBearerGrant(..) before build()");
            }
            if (fallbackToClientCredentials && grant != Grant.REFRESH_TOKEN) {
                throw new IllegalStateException("fallbackToClientCredentials needs the refresh-token grant, "
                    + "but the grant is " + grant.shown);
            }
            return new OAuth2TokenRefresher(this);
        }

        private static JWSAlgorithm algorithmOf(PrivateKey key) {
            if (key instanceof RSAPrivateKey) {
                return JWSAlgorithm.RS256;
            }
            if (key instanceof ECPrivateKey) {
                int bits = ((ECPrivateKey) key).getParams().getCurve().getField().getFieldSize();
                switch (bits) {
                    case 256:
                        return JWSAlgorithm.ES256;
                    case 384:
                        return JWSAlgorithm.ES384;
                    case 521:
                        return JWSAlgorithm.ES512;
                    default:
                        throw new IllegalArgumentException("privateKey must be an EC key on P-256, P-384 or P-521,"
                            + " was a " + bits + "-bit curve");
                }
            }
            throw new IllegalArgumentException("privateKey must be an RSA or EC key, was " + key.getAlgorithm());
        }

        private static String requireText(String value, String name) {
            Objects.requireNonNull(value, name + " must not be null");
            if (value.isBlank()) {
                throw new IllegalArgumentException(name + " must not be blank");
            }
            return value;
        }

        private static Duration requirePositive(Duration value, String name) {
            Objects.requireNonNull(value, name + " must not be null");
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
            return value;
        }

        private static Duration requireMillis(Duration value, String name) {
            requirePositive(value, name);
            if (value.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0 || value.toMillis() == 0) {
                throw new IllegalArgumentException(name + " must be between 1 ms and " + Integer.MAX_VALUE
                    + " ms, was " + value);
            }
            return value;
        }
    }
}
