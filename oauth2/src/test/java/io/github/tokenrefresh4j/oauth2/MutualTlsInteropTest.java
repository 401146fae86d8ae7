package io.github.tokenrefresh4j.oauth2;

import io.github.tokenrefresh4j.AccessToken;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;

import static io.github.tokenrefresh4j.oauth2.SpringAuthorizationServer.MTLS_CLIENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * RFC 8705 mutual TLS against Spring Authorization Server on https, asking for client certificates:
 * {@code self_signed_tls_client_auth} (the server takes any one-certificate chain as self-signed;
 * {@code tls_client_auth} with a PKI certificate is tested against a TLS stub in {@link OptionsTest}).
 */
class MutualTlsInteropTest {

    private static TlsFixture tls;
    private static SpringAuthorizationServer server;

    @BeforeAll
    static void start() throws Exception {
        tls = TlsFixture.get();
        server = new SpringAuthorizationServer(tls);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpClient client(boolean withCertificate) throws Exception {
        return HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .sslContext(tls.clientContext(withCertificate)).build();
    }

    @Test
    void selfSignedTlsClientAuthGetsATokenWithTheCertificateOfTheUsersHttpClient() throws Exception {
        int before = server.tokenRequests(MTLS_CLIENT);

        AccessToken token = OAuth2TokenRefresher.fromIssuer(server.issuer()).selfSignedTlsClientAuth(MTLS_CLIENT)
            .clientCredentialsGrant().scope("orders").httpClient(client(true)).build().refresh(null);

        assertThat(token.value()).contains(".");
        assertThat(server.tokenRequests(MTLS_CLIENT)).isEqualTo(before + 1);
    }

    @Test
    void withoutTheCertificateTheServerRefusesTheClient() throws Exception {
        TokenEndpointException e = catchThrowableOfType(TokenEndpointException.class, () ->
            OAuth2TokenRefresher.builder(server.tokenEndpoint()).selfSignedTlsClientAuth(MTLS_CLIENT)
                .clientCredentialsGrant()
                .httpClient(client(false)).build().refresh(null));

        assertThat(e.isTransient()).as(e.getMessage()).isFalse();
        assertThat(e.getStatusCode()).hasValue(401);
    }
}
