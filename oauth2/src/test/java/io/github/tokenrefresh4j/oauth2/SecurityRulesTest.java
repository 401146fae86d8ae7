package io.github.tokenrefresh4j.oauth2;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The security rules of the token and discovery requests (issue 25, findings 2 to 7). */
class SecurityRulesTest {

    private TokenEndpointStub server;

    @BeforeEach
    void start() throws Exception {
        server = new TokenEndpointStub();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static String tokenJson(String accessToken, String tokenType) {
        return "{\"access_token\":\"" + accessToken + "\",\"token_type\":\"" + tokenType + "\",\"expires_in\":60}";
    }

    @Test
    void discoveredTokenEndpointWeakerThanTheIssuersSchemeIsRefused() {
        // An https issuer needs a TLS server; the rule itself is checked where discovery applies it.
        assertThat(Discovery.downgrades(URI.create("http://idp.example.com/shop"),
            URI.create("http://idp.example.com/token"))).isFalse();
        assertThat(Discovery.downgrades(URI.create("https://idp.example.com/shop"),
            URI.create("HTTPS://idp.example.com/token"))).isFalse();

        assertThat(Discovery.downgrades(URI.create("https://idp.example.com/shop"),
            URI.create("http://idp.example.com/shop/token"))).isTrue();
    }

    @Test
    void plainHttpEndpointOffLoopbackNeedsAnExplicitOptIn() {
        URI remote = URI.create("http://idp.example.com/oauth2/token");

        assertThatThrownBy(() -> OAuth2TokenRefresher.clientCredentials(remote, "orders-client", "s3cret").build())
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("http://idp.example.com/oauth2/token is plain http")
            .hasMessageContaining("allowPlainHttp()");
        assertThatThrownBy(() -> OAuth2TokenRefresher.fromIssuer(URI.create("http://idp.example.com/shop"))
            .clientSecretBasic("orders-client", "s3cret").clientCredentialsGrant().build())
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("allowPlainHttp()");

        assertThat(OAuth2TokenRefresher.clientCredentials(remote, "orders-client", "s3cret").allowPlainHttp()
            .build()).isNotNull();
        for (String loopback : new String[] {"http://127.0.0.1:8080/token", "http://localhost/token",
            "http://[::1]:9000/token", "http://127.1.2.3/token", "https://idp.example.com/token"}) {
            assertThat(OAuth2TokenRefresher.clientCredentials(URI.create(loopback), "orders-client", "s3cret")
                .build()).as(loopback).isNotNull();
        }
    }

    @Test
    void plainHttpEndpointOffLoopbackFoundByDiscoveryIsRefusedWithoutTheOptIn() {
        assertThat(Checks.isPlainHttpOffLoopback(URI.create("http://idp.example.com/token"))).isTrue();
        assertThat(Checks.isPlainHttpOffLoopback(URI.create("http://127.0.0.1/token"))).isFalse();
        assertThat(Checks.isPlainHttpOffLoopback(URI.create("http://localhost./token"))).isTrue();
        assertThat(Checks.isPlainHttpOffLoopback(URI.create("http://127.0.0.1.example.com/token"))).isTrue();
    }

    @Test
    void aTokenTypeOtherThanBearerIsRefusedNotSentAsBearer() {
        server.json(200, tokenJson("dpop-bound", "DPoP")).json(200, tokenJson("mac", "N_A"))
            .json(200, tokenJson("fine", "bearer"));
        OAuth2TokenRefresher refresher = OAuth2TokenRefresher.clientCredentials(server.uri(), "orders-client",
            "s3cret").build();

        TokenEndpointException dpop = catchThrowableOfType(TokenEndpointException.class, () -> refresher.refresh(null));
        TokenEndpointException other = catchThrowableOfType(TokenEndpointException.class,
            () -> refresher.refresh(null));

        assertThat(dpop.getMessage()).contains("token_type DPoP").contains("only Bearer")
            .doesNotContain("dpop-bound");
        assertThat(dpop.isTransient()).isFalse();
        assertThat(other.getMessage()).contains("only Bearer").doesNotContain("\"mac\"");
        assertThatNoException(refresher);
    }

    private static void assertThatNoException(OAuth2TokenRefresher refresher) {
        try {
            assertThat(refresher.refresh(null).value()).isEqualTo("fine");
        } catch (TokenEndpointException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aServerEchoingCredentialsIntoABadStatusLineLeavesThemOutOfTheWholeCauseChain() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (Socket client = socket.accept()) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(),
                        StandardCharsets.ISO_8859_1));
                    String authorization = "";
                    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                        if (line.regionMatches(true, 0, "Authorization:", 0, 14)) {
                            authorization = line.substring(14).strip();
                        }
                    }
                    OutputStream out = client.getOutputStream();
                    out.write(("HTTP/1.1 " + authorization + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            String basic = Base64.getEncoder().encodeToString("orders-client:s3cret-Q".getBytes(
                StandardCharsets.UTF_8));

            TokenEndpointException e = catchThrowableOfType(TokenEndpointException.class, () ->
                OAuth2TokenRefresher.clientCredentials(URI.create("http://127.0.0.1:" + socket.getLocalPort()
                    + "/token"), "orders-client", "s3cret-Q").build().refresh(null));
            served.join();

            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            assertThat(e.getCause()).as("a cause is kept, redacted").isNotNull();
            assertThat(trace.toString()).doesNotContain(basic).doesNotContain("s3cret-Q").contains("***");
        }
    }

    @Test
    void everyLineBreakInAnErrorDescriptionBecomesASpace() {
        server.json(400, "{\"error\":\"invalid_scope\",\"error_description\":\"a\\u0085b\\u2028c\\u2029d\\r\\ne"
            + "\\u000bf\\u000cg\\u001ch\\u202ei\"}");

        TokenEndpointException e = catchThrowableOfType(TokenEndpointException.class, () ->
            OAuth2TokenRefresher.clientCredentials(server.uri(), "orders-client", "s3cret").build().refresh(null));

        assertThat(e.getMessage()).contains("\"a b c d e f g h i\"");
        assertThat(e.getErrorDescription()).contains("a b c d e f g h i");
        assertThat(e.getMessage()).doesNotContainPattern("[\\u0085\\u2028\\u2029\\u202e\\p{Cntrl}]");
    }

    @Test
    void aTokenResponseOverTheSizeCapIsRefusedWithoutReadingItAll() {
        String huge = "{\"access_token\":\"" + "x".repeat(2 * 1024 * 1024) + "\",\"token_type\":\"Bearer\"}";
        server.json(200, huge).json(400, "{\"error\":\"invalid_request\",\"error_description\":\""
            + "y".repeat(64 * 1024) + "\"}");
        OAuth2TokenRefresher refresher = OAuth2TokenRefresher.clientCredentials(server.uri(), "orders-client",
            "s3cret").maxResponseSize(32 * 1024).build();

        TokenEndpointException token = catchThrowableOfType(TokenEndpointException.class,
            () -> refresher.refresh(null));
        TokenEndpointException error = catchThrowableOfType(TokenEndpointException.class,
            () -> refresher.refresh(null));

        assertThat(token.getMessage()).contains("answered 200 with a body over 32768 bytes");
        assertThat(token.isTransient()).isFalse();
        assertThat(error.getMessage()).contains("answered 400 with a body over 32768 bytes");
        assertThat(OAuth2TokenRefresher.DEFAULT_MAX_RESPONSE_SIZE).isEqualTo(1024 * 1024);
        assertThatThrownBy(() -> OAuth2TokenRefresher.clientCredentials(server.uri(), "orders-client", "s3cret")
            .maxResponseSize(0)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("maxResponseSize must be positive");
    }

    @Test
    void discoveryMetadataOverTheSizeCapIsRefused() {
        URI issuer = server.base().resolve("/shop");
        String padded = "{\"issuer\":\"" + issuer + "\",\"token_endpoint\":\"" + server.uri() + "\",\"x\":\""
            + "z".repeat(64 * 1024) + "\"}";
        server.json(200, padded).json(200, padded);

        TokenEndpointException e = catchThrowableOfType(TokenEndpointException.class, () ->
            OAuth2TokenRefresher.fromIssuer(issuer).clientSecretBasic("orders-client", "s3cret")
                .clientCredentialsGrant().maxResponseSize(32 * 1024).build().refresh(null));

        assertThat(e.getMessage()).contains("metadata of issuer").contains("with a body over 32768 bytes");
    }

    @Test
    void redirectsAreNeverFollowedByTokenOrDiscoveryRequests() throws Exception {
        try (TokenEndpointStub elsewhere = new TokenEndpointStub()) {
            String location = elsewhere.base().resolve("/steal").toString();
            URI issuer = server.base().resolve("/shop");
            server.json(307, "{}", "Location", location)
                .json(302, "{}", "Location", location).json(302, "{}", "Location", location);

            TokenEndpointException token = catchThrowableOfType(TokenEndpointException.class, () ->
                OAuth2TokenRefresher.clientCredentials(server.uri(), "orders-client", "s3cret").build().refresh(null));
            TokenEndpointException discovery = catchThrowableOfType(TokenEndpointException.class, () ->
                OAuth2TokenRefresher.fromIssuer(issuer).clientSecretBasic("orders-client", "s3cret")
                    .clientCredentialsGrant().build().refresh(null));

            assertThat(token.getStatusCode()).hasValue(307);
            assertThat(discovery.getStatusCode()).hasValue(302);
            assertThat(elsewhere.drain()).isEmpty();
        }
    }
}
