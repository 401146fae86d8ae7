package io.github.tokenrefresh4j.examples;

import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.token.Tokens;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.oauth2.OAuth2TokenRefresher;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.MockWebServerWrapper;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import okhttp3.HttpUrl;
import okhttp3.mockwebserver.RecordedRequest;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The demo's OAuth2 authorization server: navikt's mock-oauth2-server, embedded and bound to 127.0.0.1. It signs
 * RS256 JWT access tokens that live {@code tokenLifetime}, publishes its keys as a JWKS, and keeps its own record of
 * every request it served, from which {@link #tokenRequests()} counts the token requests.
 */
final class AuthorizationServer implements AutoCloseable {

    static final String ISSUER_ID = "demo";
    static final String CLIENT_ID = "demo-client";
    static final String AUDIENCE = "orders-api";
    static final URI REDIRECT_URI = URI.create("http://127.0.0.1/callback");

    private final MockOAuth2Server server;
    private final MockWebServerWrapper httpServer = new MockWebServerWrapper();
    private final HttpUrl base;
    private long tokenRequests;

    /**
     * @param port          the port, 0 for an ephemeral one
     * @param tokenLifetime how long the access tokens it issues live, whole seconds
     */
    AuthorizationServer(int port, Duration tokenLifetime) {
        DefaultOAuth2TokenCallback tokens = new DefaultOAuth2TokenCallback(ISSUER_ID, CLIENT_ID, "JWT",
            List.of(AUDIENCE), Map.of(), tokenLifetime.toSeconds());
        server = new MockOAuth2Server(new OAuth2Config(false, null, null, false, new OAuth2TokenProvider(),
            Set.of(tokens), httpServer));
        server.start(InetAddress.getLoopbackAddress(), port);
        // The server takes the issuer from the request's host, so every party uses 127.0.0.1, not localhost.
        base = server.baseUrl().newBuilder().host("127.0.0.1").build();
    }

    int port() {
        return base.port();
    }

    URI issuer() {
        return url(ISSUER_ID);
    }

    URI tokenEndpoint() {
        return url(ISSUER_ID + "/token");
    }

    URI jwksUri() {
        return url(ISSUER_ID + "/jwks");
    }

    /**
     * Signs the demo user in and returns an authorization code. The server has no interactive login here, so its
     * authorization endpoint redirects with a code at once, as a real one does for a user with a session.
     */
    String login(HttpClient http) throws IOException, InterruptedException {
        URI authorize = URI.create(url(ISSUER_ID + "/authorize") + "?response_type=code&client_id=" + CLIENT_ID
            + "&redirect_uri=" + REDIRECT_URI + "&scope=openid%20offline_access&state=demo");
        HttpResponse<Void> response = http.send(HttpRequest.newBuilder(authorize).GET().build(),
            HttpResponse.BodyHandlers.discarding());
        HttpUrl location = response.headers().firstValue("Location").map(HttpUrl::parse).orElse(null);
        String code = location == null ? null : location.queryParameter("code");
        if (response.statusCode() != 302 || code == null) {
            throw new IOException("authorization endpoint answered " + response.statusCode() + " without a code");
        }
        return code;
    }

    /**
     * Exchanges an authorization code for the first token (RFC 6749 §4.1.3): the one grant the demo does not take
     * from {@code OAuth2TokenRefresher}, which refreshes tokens and has no use for a one-time code.
     */
    AccessToken exchange(String code, String clientSecret) throws IOException {
        HTTPRequest request = new TokenRequest(tokenEndpoint(),
            new ClientSecretBasic(new ClientID(CLIENT_ID), new Secret(clientSecret)),
            new AuthorizationCodeGrant(new AuthorizationCode(code), REDIRECT_URI)).toHTTPRequest();
        request.setConnectTimeout((int) OAuth2TokenRefresher.DEFAULT_CONNECT_TIMEOUT.toMillis());
        request.setReadTimeout((int) OAuth2TokenRefresher.DEFAULT_READ_TIMEOUT.toMillis());
        HTTPResponse response = request.send();
        try {
            TokenResponse answer = TokenResponse.parse(response);
            if (!answer.indicatesSuccess()) {
                throw new IOException("token endpoint refused the authorization code: "
                    + answer.toErrorResponse().getErrorObject().getCode());
            }
            Tokens tokens = answer.toSuccessResponse().getTokens();
            AccessToken token = AccessToken.of(tokens.getAccessToken().getValue(),
                Instant.now().plusSeconds(tokens.getAccessToken().getLifetime()));
            return tokens.getRefreshToken() == null ? token
                : token.withRefreshToken(tokens.getRefreshToken().getValue());
        } catch (ParseException e) {
            throw new IOException("token endpoint answered " + response.getStatusCode() + " with no token response");
        }
    }

    /**
     * Counts the token requests the server has received so far, from its own request log. Not thread-safe: one
     * reader only.
     */
    long tokenRequests() {
        String tokenPath = "/" + ISSUER_ID + "/token";
        try {
            RecordedRequest request;
            while ((request = httpServer.getMockWebServer().takeRequest(0, TimeUnit.MILLISECONDS)) != null) {
                if ("POST".equals(request.getMethod()) && tokenPath.equals(request.getPath())) {
                    tokenRequests++;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return tokenRequests;
    }

    private URI url(String path) {
        return base.resolve(path).uri();
    }

    @Override
    public void close() {
        server.shutdown();
    }
}
