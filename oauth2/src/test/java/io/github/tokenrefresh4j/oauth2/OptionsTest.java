package io.github.tokenrefresh4j.oauth2;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The options for the clients people run: public clients, resource indicators, their own HttpClient, mTLS. */
class OptionsTest {

    private static final String TOKEN = "{\"access_token\":\"opaque-1\",\"token_type\":\"Bearer\",\"expires_in\":60,"
        + "\"refresh_token\":\"refresh-2\"}";

    @Test
    void aPublicClientSendsItsClientIdAndNoCredentials() throws Exception {
        try (TokenEndpointStub endpoint = new TokenEndpointStub()) {
            endpoint.json(200, TOKEN);

            OAuth2TokenRefresher.builder(endpoint.uri()).publicClient("cli-app").refreshTokenGrant("refresh-1")
                .build().refresh(null);

            TokenEndpointStub.Received request = endpoint.take();
            assertThat(request.authorization()).isNull();
            assertThat(request.form()).containsEntry("client_id", "cli-app")
                .containsEntry("grant_type", "refresh_token").containsEntry("refresh_token", "refresh-1")
                .doesNotContainKeys("client_secret", "client_assertion");
            assertThatThrownBy(() -> OAuth2TokenRefresher.builder(endpoint.uri()).publicClient("cli-app")
                .clientCredentialsGrant().build()).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("a public client cannot use the client-credentials grant");
            assertThatThrownBy(() -> OAuth2TokenRefresher.builder(endpoint.uri()).publicClient(" "))
                .hasMessage("clientId must not be blank");
        }
    }

    @Test
    void theResourceGoesIntoEveryTokenRequestTheFallbackIncluded() throws Exception {
        try (TokenEndpointStub endpoint = new TokenEndpointStub()) {
            endpoint.json(400, "{\"error\":\"invalid_grant\"}").json(200, TOKEN);

            OAuth2TokenRefresher.refreshToken(endpoint.uri(), "orders-client", "s3cret", "refresh-1")
                .resource(URI.create("https://mcp.example.com/mcp")).fallbackToClientCredentials().build()
                .refresh(null);

            assertThat(endpoint.drain()).extracting(request -> request.form().get("grant_type"),
                    request -> request.form().get("resource"))
                .containsExactly(org.assertj.core.groups.Tuple.tuple("refresh_token", "https://mcp.example.com/mcp"),
                    org.assertj.core.groups.Tuple.tuple("client_credentials", "https://mcp.example.com/mcp"));
        }
    }

    @Test
    void requestsGoThroughTheHttpClientTheUserGave() throws Exception {
        try (TokenEndpointStub proxy = new TokenEndpointStub()) {
            proxy.json(200, TOKEN);
            // Only a client configured with this proxy reaches a host that does not exist.
            HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", proxy.base().getPort()))).build();

            OAuth2TokenRefresher.clientCredentials(URI.create("http://idp.invalid/oauth2/token"), "orders-client",
                "s3cret").allowPlainHttp().httpClient(client).build().refresh(null);

            assertThat(proxy.take().path()).isEqualTo("/oauth2/token");
        }
    }

    @Test
    void aUserHttpClientThatFollowsRedirectsOrAConnectTimeoutBesideItIsRefused() {
        URI uri = URI.create("https://idp.example.com/oauth2/token");
        HttpClient following = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();

        assertThatThrownBy(() -> OAuth2TokenRefresher.clientCredentials(uri, "orders-client", "s3cret")
            .httpClient(following)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("httpClient must not follow redirects");
        assertThatThrownBy(() -> OAuth2TokenRefresher.clientCredentials(uri, "orders-client", "s3cret")
            .httpClient(null)).hasMessage("httpClient must not be null");
        assertThatThrownBy(() -> OAuth2TokenRefresher.clientCredentials(uri, "orders-client", "s3cret")
            .connectTimeout(Duration.ofSeconds(1)).httpClient(HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER).build()).build())
            .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("connectTimeout cannot be set");
    }

    @Test
    void tlsClientAuthPresentsTheCertificateOfTheUsersHttpClient() throws Exception {
        TlsFixture tls = TlsFixture.get();
        try (TokenEndpointStub endpoint = new TokenEndpointStub(tls.serverContext(), true)) {
            endpoint.json(200, TOKEN).json(200, TOKEN);
            HttpClient withCertificate = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .sslContext(tls.clientContext(true)).build();

            OAuth2TokenRefresher.builder(endpoint.uri()).tlsClientAuth("orders-client").clientCredentialsGrant()
                .httpClient(withCertificate).build().refresh(null);
            OAuth2TokenRefresher.builder(endpoint.uri()).selfSignedTlsClientAuth("orders-client")
                .clientCredentialsGrant().httpClient(withCertificate).build().refresh(null);

            for (TokenEndpointStub.Received request : endpoint.drain()) {
                assertThat(request.clientCertificate()).isEqualTo("CN=orders-client");
                assertThat(request.authorization()).isNull();
                assertThat(request.form()).containsEntry("client_id", "orders-client")
                    .doesNotContainKey("client_secret");
            }
        }
    }

    @Test
    void anHttpsIssuerWhoseMetadataNamesAnHttpTokenEndpointIsRefused() throws Exception {
        TlsFixture tls = TlsFixture.get();
        try (TokenEndpointStub server = new TokenEndpointStub(tls.serverContext(), false)) {
            URI issuer = server.base().resolve("/shop");
            String downgraded = "{\"issuer\":\"" + issuer + "\",\"token_endpoint\":\"http://127.0.0.1:"
                + server.base().getPort() + "/oauth2/token\"}";
            server.json(200, downgraded).json(200, downgraded);
            HttpClient trusting = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .sslContext(tls.clientContext(false)).build();

            TokenEndpointException e = catchThrowableOfType(TokenEndpointException.class, () ->
                OAuth2TokenRefresher.fromIssuer(issuer).clientSecretBasic("orders-client", "s3cret")
                    .clientCredentialsGrant().httpClient(trusting).build().refresh(null));

            assertThat(e.getMessage()).contains("plain http for an https issuer");
            assertThat(e.isTransient()).isFalse();
            assertThat(server.drain()).extracting(TokenEndpointStub.Received::path)
                .noneMatch(path -> path.endsWith("/oauth2/token"));
        }
    }
}
