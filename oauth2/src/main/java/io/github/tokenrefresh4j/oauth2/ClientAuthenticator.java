package io.github.tokenrefresh4j.oauth2;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.JWTAuthentication;
import com.nimbusds.oauth2.sdk.auth.JWTAuthenticationClaimsSet;
import com.nimbusds.oauth2.sdk.auth.PKITLSClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.PlainClientSecret;
import com.nimbusds.oauth2.sdk.auth.PrivateKeyJWT;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.auth.SelfSignedTLSClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.TLSClientAuthentication;
import com.nimbusds.oauth2.sdk.id.Audience;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.JWTID;

import java.net.URI;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Objects;

/**
 * Client authentication: how each token request proves which client sends it. One per refresher, immutable;
 * {@code private_key_jwt} signs a fresh assertion per request.
 */
final class ClientAuthenticator {

    /** Makes the client authentication of one request; private_key_jwt needs the endpoint for its audience. */
    @FunctionalInterface
    interface Method {
        ClientAuthentication authenticate(URI tokenEndpoint, Instant now) throws JOSEException;
    }

    private final ClientID clientId;
    private final String method;
    private final Method authentication;

    private ClientAuthenticator(ClientID clientId, String method, Method authentication) {
        this.clientId = clientId;
        this.method = method;
        this.authentication = authentication;
    }

    static ClientAuthenticator clientSecretBasic(String clientId, String clientSecret) {
        ClientID id = new ClientID(Checks.requireText(clientId, "clientId"));
        Secret secret = new Secret(Checks.requireText(clientSecret, "clientSecret"));
        return new ClientAuthenticator(id, "client_secret_basic", (endpoint, now) -> new ClientSecretBasic(id, secret));
    }

    static ClientAuthenticator clientSecretPost(String clientId, String clientSecret) {
        ClientID id = new ClientID(Checks.requireText(clientId, "clientId"));
        Secret secret = new Secret(Checks.requireText(clientSecret, "clientSecret"));
        return new ClientAuthenticator(id, "client_secret_post", (endpoint, now) -> new ClientSecretPost(id, secret));
    }

    static ClientAuthenticator privateKeyJwt(String clientId, PrivateKey privateKey, String keyId) {
        ClientID id = new ClientID(Checks.requireText(clientId, "clientId"));
        Objects.requireNonNull(privateKey, "privateKey must not be null");
        JWSAlgorithm algorithm = algorithmOf(privateKey);
        Method signer = (endpoint, now) -> new PrivateKeyJWT(
            new JWTAuthenticationClaimsSet(id, List.of(new Audience(endpoint.toString())),
                Date.from(now.plus(OAuth2TokenRefresher.ASSERTION_LIFETIME)), null, Date.from(now), new JWTID()),
            algorithm, privateKey, keyId, null);
        try {
            // Sign once now, so that a key the signer refuses (an RSA key under 2048 bits) fails here.
            signer.authenticate(URI.create("https://example.invalid/token"), Instant.now());
        } catch (JOSEException | RuntimeException e) {
            throw new IllegalArgumentException("privateKey cannot sign a " + algorithm
                + " client assertion: " + e.getMessage(), e);
        }
        return new ClientAuthenticator(id, "private_key_jwt", signer);
    }

    /** A public client (RFC 6749 §2.1): no credentials, {@code client_id} in the form body. */
    static ClientAuthenticator none(String clientId) {
        ClientID id = new ClientID(Checks.requireText(clientId, "clientId"));
        return new ClientAuthenticator(id, "none", (endpoint, now) -> null);
    }

    /**
     * Mutual TLS (RFC 8705 §2): {@code client_id} in the form body; the certificate is the one the HTTP client's
     * {@code SSLContext} presents.
     */
    static ClientAuthenticator mutualTls(String clientId, boolean selfSigned) {
        ClientID id = new ClientID(Checks.requireText(clientId, "clientId"));
        ClientAuthentication tls = selfSigned
            ? new SelfSignedTLSClientAuthentication(id, (javax.net.ssl.SSLSocketFactory) null)
            : new PKITLSClientAuthentication(id, (javax.net.ssl.SSLSocketFactory) null);
        return new ClientAuthenticator(id, tls.getMethod().getValue(), (endpoint, now) -> tls);
    }

    boolean isPublic() {
        return "none".equals(method);
    }

    boolean isMutualTls() {
        return "tls_client_auth".equals(method) || "self_signed_tls_client_auth".equals(method);
    }

    static ClientAuthenticator of(ClientAuthentication clientAuthentication) {
        Objects.requireNonNull(clientAuthentication, "clientAuthentication must not be null");
        if (clientAuthentication instanceof TLSClientAuthentication
            && ((TLSClientAuthentication) clientAuthentication).getSSLSocketFactory() != null) {
            throw new IllegalArgumentException("clientAuthentication must not carry its own SSLSocketFactory: "
                + "requests go through the JDK HttpClient, which would not present its certificate; use "
                + "tlsClientAuth(clientId) or selfSignedTlsClientAuth(clientId) with httpClient(..) built on an "
                + "SSLContext that holds the client certificate");
        }
        return new ClientAuthenticator(clientAuthentication.getClientID(),
            clientAuthentication.getMethod().getValue(), (endpoint, now) -> clientAuthentication);
    }

    String clientId() {
        return clientId.getValue();
    }

    String method() {
        return method;
    }

    /** @return a token request authenticated for {@code endpoint} at {@code now} */
    TokenRequest.Builder request(URI endpoint, Instant now, AuthorizationGrant grant) throws JOSEException {
        ClientAuthentication clientAuthentication = authentication.authenticate(endpoint, now);
        TokenRequest.Builder request = clientAuthentication == null
            ? new TokenRequest.Builder(endpoint, clientId, grant)
            : new TokenRequest.Builder(endpoint, clientAuthentication, grant);
        if (clientAuthentication instanceof JWTAuthentication) {
            // RFC 7523 §3 makes client_id optional beside a client assertion, but Spring Authorization Server
            // refuses the request without it (400 invalid_request), and Spring Security's own client sends it.
            request.customParameter("client_id", clientId.getValue());
        }
        return request;
    }

    /** @return the client secret, if this authentication sends one, so that an echo of it can be redacted */
    static String secretOf(ClientAuthentication clientAuthentication) {
        return clientAuthentication instanceof PlainClientSecret
            ? ((PlainClientSecret) clientAuthentication).getClientSecret().getValue() : null;
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
}
