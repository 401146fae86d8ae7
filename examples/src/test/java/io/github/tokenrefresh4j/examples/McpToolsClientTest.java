package io.github.tokenrefresh4j.examples;

import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import docs.ToolsClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.MockWebServerWrapper;
import no.nav.security.mock.oauth2.token.OAuth2TokenCallback;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import okhttp3.HttpUrl;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/mcp.md's example, {@link ToolsClient} (whose source is the snippet, checked below), run against an MCP server
 * made with the SDK's own Streamable HTTP server transport ({@link ProtectedMcpServer}) that accepts only JWTs
 * issued for it (audience = its resource URI), and a real authorization server, navikt's mock-oauth2-server on
 * 127.0.0.1, which rotates refresh tokens and sets a token's audience from the request's {@code resource}. The
 * agent is a public client: no secret.
 */
class McpToolsClientTest {

    private static final int CALLS = 64;
    private static final String ISSUER_ID = "login";
    private static final String CLIENT_ID = "agent";
    private static final URI REDIRECT_URI = URI.create("http://127.0.0.1/callback");
    private static final Duration HANG_GUARD = Duration.ofSeconds(60);

    private final MockWebServerWrapper authorizationHttp = new MockWebServerWrapper();
    /** Rotating refresh tokens; a token's audience is the resource it was asked for. */
    private final MockOAuth2Server authorizationServer = new MockOAuth2Server(new OAuth2Config(false, null, null,
        true, new OAuth2TokenProvider(), Set.of(new ResourceAudience()), authorizationHttp));
    private final ExecutorService agents = Executors.newFixedThreadPool(CALLS);
    private HttpUrl base;
    private ProtectedMcpServer tools;
    private McpSyncClient client;

    @BeforeEach
    void start() throws Exception {
        authorizationServer.start(InetAddress.getLoopbackAddress(), 0);
        // The server names its issuer after the request's host: every party uses 127.0.0.1.
        base = authorizationServer.baseUrl().newBuilder().host("127.0.0.1").build();
        tools = new ProtectedMcpServer(url(ISSUER_ID), url(ISSUER_ID + "/jwks"));
    }

    @AfterEach
    void stop() throws Exception {
        agents.shutdownNow();
        if (client != null) {
            client.closeGracefully();
        }
        tools.close();
        authorizationServer.shutdown();
    }

    @Test
    void theDocumentedToolsClientCallsToolsWithOneTokenRequestForSixtyFourCallsOnAnExpiredToken() throws Exception {
        String refreshTokenFromSignIn = signIn();
        takeTokenRequests(); // the sign-in's

        client = ToolsClient.create(url(ISSUER_ID + "/token"), tools.url(), refreshTokenFromSignIn);
        assertThat(echo("first")).isEqualTo("echo first");
        List<Map<String, String>> first = takeTokenRequests();
        assertThat(first).as("the first token, from the sign-in's refresh token").hasSize(1);
        assertThat(first.get(0))
            .containsEntry("grant_type", "refresh_token")
            .containsEntry("refresh_token", refreshTokenFromSignIn)
            .containsEntry("client_id", CLIENT_ID)
            .containsEntry("resource", tools.resource().toString())
            .doesNotContainKey("client_secret");

        tools.expireOnNext(CALLS); // the 64 calls reach the server together, and their token expires
        CyclicBarrier together = new CyclicBarrier(CALLS);
        List<Future<String>> calls = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            String text = "call " + i;
            calls.add(agents.submit(() -> {
                together.await();
                return echo(text);
            }));
        }
        for (int i = 0; i < CALLS; i++) {
            assertThat(calls.get(i).get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS)).isEqualTo("echo call " + i);
        }

        assertThat(tools.rejections()).as("each call was rejected once with the expired token").isEqualTo(CALLS);
        List<Map<String, String>> refreshes = takeTokenRequests();
        assertThat(refreshes).as("one token request for the %d rejected calls", CALLS).hasSize(1);
        assertThat(refreshes.get(0))
            .containsEntry("grant_type", "refresh_token")
            .containsEntry("client_id", CLIENT_ID)
            .containsEntry("resource", tools.resource().toString())
            .doesNotContainKey("client_secret");
        assertThat(refreshes.get(0).get("refresh_token")).as("the rotated refresh token, not the spent one")
            .isNotEqualTo(refreshTokenFromSignIn);
        assertThat(tools.toolCalls()).isEqualTo(CALLS + 1);
        assertThat(tools.acceptedAudiences).as("every accepted token was issued for this MCP server")
            .allMatch(audience -> audience.equals(List.of(tools.resource().toString())));
    }

    @Test
    void theToolsClientIsDocsMcpMdsExampleAsWritten() throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        String source = Files.readString(root.resolve("examples/src/test/java/docs/ToolsClient.java"));
        assertThat(DocSnippetsTest.snippets())
            .as("docs/mcp.md shows examples/src/test/java/docs/ToolsClient.java verbatim")
            .anySatisfy(snippet -> {
                assertThat(snippet.file()).isEqualTo("docs/mcp.md");
                assertThat(snippet.source()).isEqualTo(source);
            });
    }

    private String echo(String text) {
        McpSchema.CallToolResult result = client.callTool(new McpSchema.CallToolRequest("echo", Map.of("text", text)));
        return ((McpSchema.TextContent) result.content().get(0)).text();
    }

    /**
     * Signs the user in through the authorization endpoint and exchanges the code as a public client, as an MCP
     * client does after its browser sign-in; returns the refresh token.
     */
    private String signIn() throws Exception {
        URI authorize = URI.create(url(ISSUER_ID + "/authorize") + "?response_type=code&client_id=" + CLIENT_ID
            + "&redirect_uri=" + REDIRECT_URI + "&scope=openid%20offline_access&state=s1");
        HttpResponse<Void> redirect = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(authorize).timeout(HANG_GUARD).build(), HttpResponse.BodyHandlers.discarding());
        String code = HttpUrl.parse(redirect.headers().firstValue("Location").orElseThrow()).queryParameter("code");
        HTTPRequest exchange = new TokenRequest(url(ISSUER_ID + "/token"), new ClientID(CLIENT_ID),
            new AuthorizationCodeGrant(new AuthorizationCode(code), REDIRECT_URI)).toHTTPRequest();
        exchange.setReadTimeout((int) HANG_GUARD.toMillis());
        return TokenResponse.parse(exchange.send()).toSuccessResponse().getTokens().getRefreshToken().getValue();
    }

    /** The forms of the token requests the authorization server received since the last call, in order. */
    private List<Map<String, String>> takeTokenRequests() throws InterruptedException {
        List<Map<String, String>> forms = new ArrayList<>();
        RecordedRequest request;
        while ((request = authorizationHttp.getMockWebServer().takeRequest(0, TimeUnit.MILLISECONDS)) != null) {
            if ("POST".equals(request.getMethod()) && ("/" + ISSUER_ID + "/token").equals(request.getPath())) {
                assertThat(request.getHeader("Authorization")).as("a public client authenticates with nothing")
                    .isNull();
                forms.add(form(request.getBody().readUtf8()));
            }
        }
        return forms;
    }

    private static Map<String, String> form(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return form;
    }

    private URI url(String path) {
        return base.resolve(path).uri();
    }

    /**
     * Issues tokens whose audience is the {@code resource} of the token request (RFC 8707), as an authorization
     * server that binds tokens to MCP servers does; a request without one gets the audience {@code default}.
     */
    private static final class ResourceAudience implements OAuth2TokenCallback {

        @Override
        public String issuerId() {
            return ISSUER_ID;
        }

        @Override
        public String subject(TokenRequest request) {
            return "user";
        }

        @Override
        public String typeHeader(TokenRequest request) {
            return "JWT";
        }

        @Override
        public List<String> audience(TokenRequest request) {
            List<URI> resources = request.getResources();
            return resources == null || resources.isEmpty() ? List.of("default")
                : resources.stream().map(URI::toString).toList();
        }

        @Override
        public Map<String, Object> addClaims(TokenRequest request) {
            return Map.of();
        }

        @Override
        public long tokenExpiry() {
            return 3600;
        }
    }
}
