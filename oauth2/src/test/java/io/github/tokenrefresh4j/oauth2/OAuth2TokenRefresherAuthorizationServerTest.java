package io.github.tokenrefresh4j.oauth2;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import io.github.tokenrefresh4j.AccessToken;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.MockWebServerWrapper;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import okhttp3.HttpUrl;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The grants against a real authorization server: navikt's mock-oauth2-server, embedded on 127.0.0.1. */
class OAuth2TokenRefresherAuthorizationServerTest {

    private static final String ISSUER_ID = "shop";
    private static final String CLIENT_ID = "orders-client";
    private static final String CLIENT_SECRET = "orders-secret";
    private static final URI REDIRECT_URI = URI.create("http://127.0.0.1/callback");
    /** The server's first answers can take seconds on a loaded machine (it starts cold): a hang guard only. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(30);

    /** Rotating refresh tokens: each refresh-token grant issues a new one. */
    private final MockOAuth2Server server = new MockOAuth2Server(new OAuth2Config(false, null, null, true,
        new OAuth2TokenProvider(), Set.of(), new MockWebServerWrapper()));
    private HttpUrl base;

    @BeforeEach
    void start() {
        server.start(InetAddress.getLoopbackAddress(), 0);
        // The server names its issuer after the request's host: every request here uses 127.0.0.1.
        base = server.baseUrl().newBuilder().host("127.0.0.1").build();
    }

    @AfterEach
    void stop() {
        server.shutdown();
    }

    private URI issuer() {
        return base.resolve(ISSUER_ID).uri();
    }

    private URI tokenEndpoint() {
        return base.resolve(ISSUER_ID + "/token").uri();
    }

    @Test
    void clientCredentialsWithClientSecretBasic() throws Exception {
        OAuth2TokenRefresher refresher = OAuth2TokenRefresher.clientCredentials(tokenEndpoint(), CLIENT_ID,
            CLIENT_SECRET).scope("orders.read").readTimeout(HANG_GUARD).build();

        AccessToken token = refresher.refresh(null);

        assertThat(token.expiresAt()).isPresent();
        assertThat(token.refreshToken()).isEmpty();
        assertThat(SignedJWT.parse(token.value()).getJWTClaimsSet().getSubject()).isEqualTo(CLIENT_ID);
        RecordedRequest request = takeTokenRequest();
        assertThat(request.getHeader("Authorization")).startsWith("Basic ");
        assertThat(form(request)).containsEntry("grant_type", "client_credentials")
            .containsEntry("scope", "orders.read").doesNotContainKey("client_secret");
    }

    @Test
    void clientCredentialsWithClientSecretPost() throws Exception {
        OAuth2TokenRefresher refresher = OAuth2TokenRefresher.builder(tokenEndpoint())
            .clientSecretPost(CLIENT_ID, CLIENT_SECRET).clientCredentialsGrant().readTimeout(HANG_GUARD).build();

        AccessToken token = refresher.refresh(null);

        assertThat(SignedJWT.parse(token.value()).getJWTClaimsSet().getSubject()).isEqualTo(CLIENT_ID);
        RecordedRequest request = takeTokenRequest();
        assertThat(request.getHeader("Authorization")).isNull();
        assertThat(form(request)).containsEntry("client_id", CLIENT_ID).containsEntry("client_secret", CLIENT_SECRET);
    }

    @Test
    void clientCredentialsWithPrivateKeyJwtSignsAFreshAssertionPerRequest() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        OAuth2TokenRefresher refresher = OAuth2TokenRefresher.builder(tokenEndpoint())
            .privateKeyJwt(CLIENT_ID, keys.getPrivate(), "key-1").clientCredentialsGrant().readTimeout(HANG_GUARD)
            .build();

        AccessToken first = refresher.refresh(null);
        AccessToken second = refresher.refresh(first);

        assertThat(SignedJWT.parse(second.value()).getJWTClaimsSet().getSubject()).isEqualTo(CLIENT_ID);
        List<String> jtis = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Map<String, String> form = form(takeTokenRequest());
            assertThat(form).containsEntry("client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
            SignedJWT assertion = SignedJWT.parse(form.get("client_assertion"));
            assertThat(assertion.getHeader().getAlgorithm().getName()).isEqualTo("RS256");
            assertThat(assertion.getHeader().getKeyID()).isEqualTo("key-1");
            assertThat(assertion.verify(new RSASSAVerifier((RSAPublicKey) keys.getPublic()))).isTrue();
            JWTClaimsSet claims = assertion.getJWTClaimsSet();
            assertThat(claims.getIssuer()).isEqualTo(CLIENT_ID);
            assertThat(claims.getSubject()).isEqualTo(CLIENT_ID);
            assertThat(claims.getAudience()).containsExactly(tokenEndpoint().toString());
            assertThat(Duration.between(claims.getIssueTime().toInstant(), claims.getExpirationTime().toInstant()))
                .isEqualTo(Duration.ofSeconds(60));
            jtis.add(claims.getJWTID());
        }
        assertThat(jtis).doesNotHaveDuplicates().doesNotContainNull();
    }

    @Test
    void refreshTokenGrantRotatesOverFiveRefreshes() throws Exception {
        String initial = signIn();
        OAuth2TokenRefresher refresher = OAuth2TokenRefresher.refreshToken(tokenEndpoint(), CLIENT_ID,
            CLIENT_SECRET, initial).readTimeout(HANG_GUARD).build();

        List<String> issued = new ArrayList<>();
        List<String> accessTokens = new ArrayList<>();
        AccessToken token = null;
        for (int i = 0; i < 5; i++) {
            token = refresher.refresh(token);
            issued.add(token.refreshToken().orElseThrow());
            accessTokens.add(token.value());
        }

        List<String> presented = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Map<String, String> form = form(takeTokenRequest());
            assertThat(form).containsEntry("grant_type", "refresh_token");
            presented.add(form.get("refresh_token"));
        }
        // Each refresh presents the refresh token the one before it received.
        assertThat(presented.get(0)).isEqualTo(initial);
        assertThat(presented.subList(1, 5)).isEqualTo(issued.subList(0, 4));
        assertThat(issued).doesNotContain(initial).doesNotHaveDuplicates();
        assertThat(accessTokens).doesNotHaveDuplicates();
    }

    @Test
    void fromIssuerDiscoversTheTokenEndpointOnce() throws Exception {
        OAuth2TokenRefresher refresher = OAuth2TokenRefresher.fromIssuer(issuer())
            .clientSecretBasic(CLIENT_ID, CLIENT_SECRET).clientCredentialsGrant().readTimeout(HANG_GUARD).build();

        refresher.refresh(null);
        refresher.refresh(null);

        // Both metadata documents are asked at once, when the refresher is built; the server has the first.
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            paths.add(takeRequest().getPath());
        }
        assertThat(paths).containsExactlyInAnyOrder("/" + ISSUER_ID + "/.well-known/openid-configuration",
            "/.well-known/oauth-authorization-server/" + ISSUER_ID, "/" + ISSUER_ID + "/token",
            "/" + ISSUER_ID + "/token");
        assertThat(pendingRequest()).isNull();
        assertThat(refresher.toString()).contains("tokenEndpoint=" + tokenEndpoint());
    }

    /** Signs a user in through the authorization endpoint and returns the refresh token of the code exchange. */
    private String signIn() throws Exception {
        URI authorize = URI.create(base.resolve(ISSUER_ID + "/authorize") + "?response_type=code&client_id="
            + CLIENT_ID + "&redirect_uri=" + REDIRECT_URI + "&scope=openid%20offline_access&state=s1");
        HttpResponse<Void> redirect = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(authorize).timeout(HANG_GUARD).build(),
            HttpResponse.BodyHandlers.discarding());
        String code = HttpUrl.parse(redirect.headers().firstValue("Location").orElseThrow()).queryParameter("code");
        HTTPRequest exchange = new TokenRequest(tokenEndpoint(),
            new ClientSecretBasic(new ClientID(CLIENT_ID), new Secret(CLIENT_SECRET)),
            new AuthorizationCodeGrant(new AuthorizationCode(code), REDIRECT_URI)).toHTTPRequest();
        exchange.setReadTimeout((int) HANG_GUARD.toMillis());
        TokenResponse response = TokenResponse.parse(exchange.send());
        AccessTokenResponse tokens = response.toSuccessResponse();
        takeRequest();
        takeRequest();
        return tokens.getTokens().getRefreshToken().getValue();
    }

    private RecordedRequest takeRequest() throws InterruptedException {
        RecordedRequest request = server.takeRequest(30, TimeUnit.SECONDS);
        assertThat(request).as("a request within 30 s").isNotNull();
        return request;
    }

    /** @return a request the server received and no one took yet, or null */
    private RecordedRequest pendingRequest() {
        try {
            return server.takeRequest(0, TimeUnit.MILLISECONDS);
        } catch (RuntimeException none) {
            return null;
        }
    }

    private RecordedRequest takeTokenRequest() throws InterruptedException {
        RecordedRequest request = takeRequest();
        assertThat(request.getMethod()).isEqualTo("POST");
        assertThat(request.getPath()).isEqualTo("/" + ISSUER_ID + "/token");
        return request;
    }

    private static Map<String, String> form(RecordedRequest request) {
        return new TokenEndpointStub.Received("POST", request.getPath(), null, request.getBody().readUtf8(), null)
            .form();
    }
}
