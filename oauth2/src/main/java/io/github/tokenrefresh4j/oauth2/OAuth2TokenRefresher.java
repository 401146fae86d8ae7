package io.github.tokenrefresh4j.oauth2;

import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefresher;

import java.net.URI;
import java.net.http.HttpClient;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A {@link TokenRefresher} that asks an OAuth 2.0 token endpoint (RFC 6749) for each new token, through the Nimbus
 * OAuth 2.0 SDK: the client-credentials grant, the refresh-token grant with rotation, or the JWT-bearer grant
 * (RFC 7523), with {@code client_secret_basic}, {@code client_secret_post}, {@code private_key_jwt}, mutual TLS
 * (RFC 8705) or none (a public client).
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
 * <p><b>Transport.</b> Requests go through the JDK {@link HttpClient} (the refresher's own, or
 * {@linkplain Builder#httpClient(HttpClient) yours}), which never sends a POST twice on its own: a refresh-token grant
 * reaches the server once per refresh. Redirects are not followed; answers are read up to
 * {@linkplain Builder#maxResponseSize(int) a size cap}; only {@code Bearer} tokens are accepted; plain {@code http}
 * off loopback needs {@linkplain Builder#allowPlainHttp() an opt-in}.
 *
 * <p><b>Failures.</b> Every failure is a {@link TokenEndpointException}; its message names the endpoint by scheme,
 * host and path, and carries no secret of the request, nor does its cause chain. It tells the decorator when to ask
 * again ({@link TokenEndpointException#getRetryAfterHint()}). Requests are logged through {@link System.Logger} (at
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
    /**
     * The longest answer read, in bytes, from the token endpoint or the issuer's metadata: 1 MiB, hundreds of times
     * a token response. A longer one fails the refresh without being read further.
     */
    public static final int DEFAULT_MAX_RESPONSE_SIZE = 1024 * 1024;
    /**
     * How long the decorator waits before asking again after a refusal that only a new grant or new credentials can
     * change ({@code invalid_grant}, {@code invalid_client}, ...): 5 minutes, instead of its {@code failureCooldown}.
     */
    public static final Duration DEFAULT_REFUSAL_COOLDOWN = Duration.ofMinutes(5);

    // The parts, each in its own package-private class: ClientAuthenticator (client authentication), Grants (the
    // grants and refresh token rotation), Discovery (the token endpoint from the issuer's metadata), TokenRequests
    // (one request), Transport (the HTTP exchange), TokenResponses (response parsing), Failures (messages).
    private final ClientAuthenticator authenticator;
    private final Grants.Kind grant;
    private final boolean fallbackToClientCredentials;
    private final Scope scope;
    private final List<URI> resources;
    private final String audience;
    private final Discovery discovery;
    private final Grants grants;

    private OAuth2TokenRefresher(Builder builder) {
        this.authenticator = builder.authenticator;
        this.grant = builder.grant;
        this.fallbackToClientCredentials = builder.fallbackToClientCredentials;
        this.scope = builder.scope;
        this.resources = List.copyOf(builder.resources);
        this.audience = builder.audience;
        Transport transport = new Transport(builder.httpClient != null ? builder.httpClient
            : Transport.defaultClient(builder.connectTimeout), builder.readTimeout, builder.maxResponseSize);
        this.discovery = builder.tokenEndpoint != null ? Discovery.fixed(builder.tokenEndpoint)
            : Discovery.of(builder.issuer, transport, builder.clock, builder.allowPlainHttp);
        TokenRequests requests = new TokenRequests(authenticator, scope, resources, audience, transport,
            new TokenResponses(builder.defaultLifetime, builder.clock), builder.clock, builder.refusalCooldown);
        this.grants = new Grants(grant, builder.initialRefreshToken, builder.assertion, fallbackToClientCredentials,
            requests);
        discovery.start();
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
        return new Builder(Checks.requireHttpUri(tokenEndpoint, "tokenEndpoint"), null);
    }

    /**
     * The general form, with the token endpoint discovered from the issuer's metadata, once:
     * {@code {issuer}/.well-known/openid-configuration} (OpenID Connect Discovery), else
     * {@code /.well-known/oauth-authorization-server{issuer path}} (RFC 8414), both asked at once so that a server
     * without the first costs one round trip. Discovery starts when the refresher is
     * built, without blocking it, so that the first refresh does not spend its {@code refreshTimeout} on it; a
     * refresh that comes before it ends waits for it. A failed discovery fails the refresh that waited for it and is
     * tried again at the next refresh. An https issuer whose metadata names an http token endpoint is refused.
     *
     * @param issuer the issuer identifier, an absolute http or https URI without query or fragment
     * @return a new builder
     * @throws NullPointerException     if {@code issuer} is null
     * @throws IllegalArgumentException if {@code issuer} is not such a URI
     */
    public static Builder fromIssuer(URI issuer) {
        Checks.requireHttpUri(issuer, "issuer");
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
        return grants.refresh(discovery.tokenEndpoint(), current);
    }

    /** Shows the endpoint, the client id, the client authentication method and the grant; never a secret. */
    @Override
    public String toString() {
        URI endpoint = discovery.known();
        return "OAuth2TokenRefresher{"
            + (endpoint != null ? "tokenEndpoint=" + Failures.display(endpoint)
            : "issuer=" + Failures.display(discovery.issuer()))
            + ", clientId=" + authenticator.clientId()
            + ", clientAuthentication=" + authenticator.method()
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
        private ClientAuthenticator authenticator;
        private Grants.Kind grant;
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
        private int maxResponseSize = DEFAULT_MAX_RESPONSE_SIZE;
        private boolean allowPlainHttp;
        private Duration refusalCooldown = DEFAULT_REFUSAL_COOLDOWN;
        private boolean connectTimeoutSet;
        private HttpClient httpClient;

        private Builder(URI tokenEndpoint, URI issuer) {
            this.tokenEndpoint = tokenEndpoint;
            this.issuer = issuer;
        }

        /** Client authentication with HTTP Basic (RFC 6749 §2.3.1): every server supports it. */
        public Builder clientSecretBasic(String clientId, String clientSecret) {
            this.authenticator = ClientAuthenticator.clientSecretBasic(clientId, clientSecret);
            return this;
        }

        /** Client authentication with the secret in the form body (RFC 6749 §2.3.1). */
        public Builder clientSecretPost(String clientId, String clientSecret) {
            this.authenticator = ClientAuthenticator.clientSecretPost(clientId, clientSecret);
            return this;
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
            this.authenticator = ClientAuthenticator.privateKeyJwt(clientId, privateKey, keyId);
            return this;
        }

        /**
         * Any client authentication the Nimbus SDK offers, sent as is with every request. For
         * {@code private_key_jwt} prefer {@link #privateKeyJwt}, which signs a fresh assertion per request. For
         * {@code tls_client_auth} and {@code self_signed_tls_client_auth} prefer {@link #tlsClientAuth(String)} and
         * {@link #selfSignedTlsClientAuth(String)}; here give no {@code SSLSocketFactory}: the JDK {@link HttpClient}
         * presents the certificate of its {@code SSLContext} (see {@link #httpClient(HttpClient)}).
         *
         * @throws IllegalArgumentException if {@code clientAuthentication} carries its own {@code SSLSocketFactory},
         *                                  which the JDK {@link HttpClient} cannot use
         */
        public Builder clientAuthentication(ClientAuthentication clientAuthentication) {
            this.authenticator = ClientAuthenticator.of(clientAuthentication);
            return this;
        }

        /**
         * A public client (RFC 6749 §2.1), such as a native app, a CLI or an MCP client registered dynamically: no
         * client credentials, only {@code client_id} in the form body. Goes with the refresh-token or JWT-bearer
         * grant; the client-credentials grant needs a confidential client.
         *
         * @param clientId the client id
         */
        public Builder publicClient(String clientId) {
            this.authenticator = ClientAuthenticator.none(clientId);
            return this;
        }

        /**
         * Mutual-TLS client authentication with a PKI certificate (RFC 8705 §2.1, {@code tls_client_auth}): the
         * certificate is the one the HTTP client presents, so pass an {@link #httpClient(HttpClient)} built on an
         * {@code SSLContext} that holds it (without one, the JDK's default {@code SSLContext}, from the
         * {@code javax.net.ssl.keyStore} system properties).
         *
         * @param clientId the client id, sent in the form body
         */
        public Builder tlsClientAuth(String clientId) {
            this.authenticator = ClientAuthenticator.mutualTls(clientId, false);
            return this;
        }

        /**
         * Mutual-TLS client authentication with a self-signed certificate registered with the client (RFC 8705
         * §2.2, {@code self_signed_tls_client_auth}); as {@link #tlsClientAuth(String)} otherwise.
         *
         * @param clientId the client id, sent in the form body
         */
        public Builder selfSignedTlsClientAuth(String clientId) {
            this.authenticator = ClientAuthenticator.mutualTls(clientId, true);
            return this;
        }

        /** The client-credentials grant (RFC 6749 §4.4): a token for the client itself. */
        public Builder clientCredentialsGrant() {
            return grant(Grants.Kind.CLIENT_CREDENTIALS, null, null);
        }

        /**
         * The refresh-token grant (RFC 6749 §6), with rotation: see the class description.
         *
         * @param initialRefreshToken the refresh token to present while no later one is known
         */
        public Builder refreshTokenGrant(String initialRefreshToken) {
            return grant(Grants.Kind.REFRESH_TOKEN, Checks.requireText(initialRefreshToken, "initialRefreshToken"),
                null);
        }

        /**
         * The JWT-bearer grant (RFC 7523 §2.1): the supplier gives a fresh signed (or encrypted) JWT assertion for
         * each request, for example from a workload identity.
         *
         * @param assertion gives the assertion, called once per request on the refreshing thread
         */
        public Builder jwtBearerGrant(Supplier<String> assertion) {
            return grant(Grants.Kind.JWT_BEARER, null, Objects.requireNonNull(assertion, "assertion must not be null"));
        }

        private Builder grant(Grants.Kind grant, String initialRefreshToken, Supplier<String> assertion) {
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
            this.audience = Checks.requireText(audience, "audience");
            return this;
        }

        /** How long a token lives when the response has no {@code expires_in} and the token is no JWT. */
        public Builder defaultLifetime(Duration defaultLifetime) {
            this.defaultLifetime = Checks.requirePositive(defaultLifetime, "defaultLifetime");
            return this;
        }

        /** How long opening a connection may take; default {@link #DEFAULT_CONNECT_TIMEOUT}. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Checks.requireMillis(connectTimeout, "connectTimeout");
            this.connectTimeoutSet = true;
            return this;
        }

        /**
         * How long the endpoint may take to answer, from the request sent to the answer's last byte; default
         * {@link #DEFAULT_READ_TIMEOUT}. Keep the
         * connect and read timeouts together below the decorator's {@code refreshTimeout}.
         */
        public Builder readTimeout(Duration readTimeout) {
            this.readTimeout = Checks.requireMillis(readTimeout, "readTimeout");
            return this;
        }

        /**
         * The longest answer read from the token endpoint or the issuer's metadata, success or error; default
         * {@link #DEFAULT_MAX_RESPONSE_SIZE}. A longer one fails the refresh with a {@link TokenEndpointException}.
         *
         * @param maxResponseSize in bytes, positive
         */
        public Builder maxResponseSize(int maxResponseSize) {
            if (maxResponseSize <= 0) {
                throw new IllegalArgumentException("maxResponseSize must be positive, was " + maxResponseSize);
            }
            this.maxResponseSize = maxResponseSize;
            return this;
        }

        /**
         * How long the decorator waits before the next token request after a refusal that asking again soon cannot
         * change: {@code invalid_grant} (a revoked or spent refresh token), {@code invalid_client},
         * {@code unauthorized_client}, {@code unsupported_grant_type}, or a {@code 401}; default
         * {@link #DEFAULT_REFUSAL_COOLDOWN}. The failure carries it as its
         * {@link TokenEndpointException#getRetryAfterHint() retry-after hint}, which the decorator honours when it
         * is longer than its own {@code failureCooldown}. A {@code Retry-After} on a {@code 429} or {@code 503} is
         * honoured the same way. {@link Duration#ZERO} leaves every failure to the {@code failureCooldown}.
         *
         * @param refusalCooldown zero or positive
         */
        public Builder refusalCooldown(Duration refusalCooldown) {
            Objects.requireNonNull(refusalCooldown, "refusalCooldown must not be null");
            if (refusalCooldown.isNegative()) {
                throw new IllegalArgumentException("refusalCooldown must not be negative, was " + refusalCooldown);
            }
            this.refusalCooldown = refusalCooldown;
            return this;
        }

        /**
         * Accepts a plain {@code http} token endpoint or issuer on a host that is not loopback. Without it such an
         * endpoint is refused (at {@link #build()}, or at discovery when the metadata names one), since the client
         * credentials and refresh tokens would cross the network in cleartext. {@code http} on {@code localhost} or
         * a loopback address needs no opt-in. An https issuer whose metadata names an http endpoint is refused even
         * so (RFC 9700 §2.6).
         */
        public Builder allowPlainHttp() {
            this.allowPlainHttp = true;
            return this;
        }

        /**
         * The JDK client to send every request through, instead of one the refresher builds: for a proxy, an
         * {@code SSLContext} (a private CA, or the client certificate of {@link #tlsClientAuth(String)}), an
         * executor. Its connect timeout applies ({@link #connectTimeout(Duration)} cannot be set with it); the
         * {@linkplain #readTimeout(Duration) read timeout} and {@linkplain #maxResponseSize(int) size cap} still do.
         * It must not follow redirects: the credentials must not follow a redirect elsewhere.
         *
         * @param httpClient a client whose {@code followRedirects()} is {@code NEVER}
         * @throws IllegalArgumentException if it follows redirects
         */
        public Builder httpClient(HttpClient httpClient) {
            Objects.requireNonNull(httpClient, "httpClient must not be null");
            if (httpClient.followRedirects() != HttpClient.Redirect.NEVER) {
                throw new IllegalArgumentException("httpClient must not follow redirects (it follows "
                    + httpClient.followRedirects() + "): the credentials would follow a redirect elsewhere; build "
                    + "it with followRedirects(HttpClient.Redirect.NEVER)");
            }
            this.httpClient = httpClient;
            return this;
        }

        /** The clock that turns {@code expires_in} into an instant; pass the decorator's clock if it has one. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock must not be null");
            return this;
        }

        /**
         * @return the refresher
         * @throws IllegalStateException when no client authentication or no grant was chosen,
         *                               {@code fallbackToClientCredentials()} was set without the refresh-token
         *                               grant, or the endpoint is plain http off loopback without
         *                               {@link #allowPlainHttp()}
         */
        public OAuth2TokenRefresher build() {
            if (authenticator == null) {
                throw new IllegalStateException("clientAuthentication is missing: call clientSecretBasic(..), "
                    + "clientSecretPost(..), privateKeyJwt(..), tlsClientAuth(..), selfSignedTlsClientAuth(..), "
                    + "publicClient(..) or clientAuthentication(..) before build()");
            }
            if (grant == null) {
                throw new IllegalStateException("grant is missing: call clientCredentialsGrant(), "
                    + "refreshTokenGrant(..) or jwtBearerGrant(..) before build()");
            }
            URI endpoint = tokenEndpoint != null ? tokenEndpoint : issuer;
            if (!allowPlainHttp && Checks.isPlainHttpOffLoopback(endpoint)) {
                throw new IllegalStateException((tokenEndpoint != null ? "tokenEndpoint " : "issuer ")
                    + Failures.display(endpoint) + " is plain http on a host that is not loopback: the credentials "
                    + "would travel in cleartext; use https, or call allowPlainHttp() to accept it");
            }
            if (authenticator.isPublic() && (grant == Grants.Kind.CLIENT_CREDENTIALS || fallbackToClientCredentials)) {
                throw new IllegalStateException("a public client cannot use the client-credentials grant (RFC 6749 "
                    + "§4.4 needs client authentication): use refreshTokenGrant(..) or jwtBearerGrant(..), "
                    + "without fallbackToClientCredentials()");
            }
            if (httpClient != null && connectTimeoutSet) {
                throw new IllegalStateException("connectTimeout cannot be set with httpClient: set it on the "
                    + "HttpClient.Builder instead");
            }
            if (fallbackToClientCredentials && grant != Grants.Kind.REFRESH_TOKEN) {
                throw new IllegalStateException("fallbackToClientCredentials needs the refresh-token grant, "
                    + "but the grant is " + grant.shown);
            }
            return new OAuth2TokenRefresher(this);
        }
    }
}
