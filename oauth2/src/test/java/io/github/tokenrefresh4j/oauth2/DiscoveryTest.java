package io.github.tokenrefresh4j.oauth2;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Where {@link OAuth2TokenRefresher#fromIssuer(URI)} looks for the token endpoint, and when. */
class DiscoveryTest {

    private TokenEndpointStub server;
    private URI issuer;

    @BeforeEach
    void start() throws Exception {
        server = new TokenEndpointStub();
        issuer = server.base().resolve("/tenants/shop");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private OAuth2TokenRefresher refresher() {
        return OAuth2TokenRefresher.fromIssuer(issuer).clientSecretBasic("orders-client", "s3cret")
            .clientCredentialsGrant().build();
    }

    private static final String OPENID = "/tenants/shop/.well-known/openid-configuration";
    private static final String RFC8414 = "/.well-known/oauth-authorization-server/tenants/shop";

    private String metadata(String issuerText) {
        return "{\"issuer\":\"" + issuerText + "\",\"token_endpoint\":\"" + server.uri() + "\"}";
    }

    @Test
    void withoutOpenIdConfigurationTheRfc8414PathIsInsertedBeforeTheIssuerPath() throws Exception {
        server.jsonAt(OPENID, null, 404, "{}")
            .jsonAt(RFC8414, null, 200, metadata(issuer.toString()))
            .json(200, "{\"access_token\":\"opaque-1\",\"token_type\":\"Bearer\",\"expires_in\":60}")
            .json(200, "{\"access_token\":\"opaque-2\",\"token_type\":\"Bearer\",\"expires_in\":60}");
        OAuth2TokenRefresher refresher = refresher();

        assertThat(refresher.refresh(null).value()).isEqualTo("opaque-1");
        assertThat(refresher.refresh(null).value()).isEqualTo("opaque-2");

        // Both metadata documents are asked at once: a server without the first costs one round trip, not two.
        assertThat(server.drain()).extracting(TokenEndpointStub.Received::path).containsExactlyInAnyOrder(
            OPENID, RFC8414, "/oauth2/token", "/oauth2/token");
    }

    @Test
    void openIdConfigurationIsPreferredWhenBothAnswer() throws Exception {
        server.jsonAt(OPENID, null, 200, metadata(issuer.toString()))
            .jsonAt(RFC8414, null, 200, "{\"issuer\":\"" + issuer + "\",\"token_endpoint\":\""
                + server.base().resolve("/other/token") + "\"}")
            .json(200, "{\"access_token\":\"opaque-1\",\"token_type\":\"Bearer\",\"expires_in\":60}");

        assertThat(refresher().refresh(null).value()).isEqualTo("opaque-1");

        assertThat(server.drain()).extracting(TokenEndpointStub.Received::path).contains("/oauth2/token")
            .doesNotContain("/other/token");
    }

    @Test
    void discoveryStartsWhenTheRefresherIsBuiltSoTheFirstRefreshDoesNotSpendItsTimeoutOnIt() throws Exception {
        CountDownLatch metadataAnswered = new CountDownLatch(1);
        server.jsonAt(OPENID, metadataAnswered, 200, metadata(issuer.toString()))
            .jsonAt(RFC8414, metadataAnswered, 404, "{}")
            .json(200, "{\"access_token\":\"opaque-1\",\"token_type\":\"Bearer\",\"expires_in\":60}");

        OAuth2TokenRefresher refresher = refresher();

        // Asked before any refresh: a slow but healthy server answers while the application starts.
        assertThat(List.of(server.take().path(), server.take().path())).containsExactlyInAnyOrder(OPENID, RFC8414);
        metadataAnswered.countDown();
        assertThat(refresher.refresh(null).value()).isEqualTo("opaque-1");
        assertThat(server.take().path()).isEqualTo("/oauth2/token");
        assertThat(server.drain()).isEmpty();
    }

    @Test
    void metadataForAnotherIssuerIsRefused() {
        server.json(200, metadata("https://evil.example.com/tenants/shop"))
            .json(200, metadata("https://evil.example.com/tenants/shop"));

        TokenEndpointException e = catchThrowableOfType(TokenEndpointException.class,
            () -> refresher().refresh(null));

        assertThat(e.isTransient()).isFalse();
        assertThat(e.getMessage()).contains("for another issuer");
        assertThat(e.getSuppressed()).hasSize(1);
    }

    @Test
    void failedDiscoveryIsTriedAgainAtTheNextRefresh() throws Exception {
        server.jsonAt(OPENID, null, 503, "{}").jsonAt(RFC8414, null, 503, "{}")
            .jsonAt(OPENID, null, 200, metadata(issuer.toString())).jsonAt(RFC8414, null, 404, "{}")
            .json(200, "{\"access_token\":\"opaque-1\",\"token_type\":\"Bearer\",\"expires_in\":60}");
        OAuth2TokenRefresher refresher = refresher();

        TokenEndpointException e = catchThrowableOfType(TokenEndpointException.class, () -> refresher.refresh(null));
        assertThat(e.isTransient()).isTrue();

        assertThat(refresher.refresh(null).value()).isEqualTo("opaque-1");
        assertThat(refresher.toString()).contains("tokenEndpoint=" + server.uri());
    }

    @Test
    void anHttpClientThatThrowsInsteadOfFailingItsFutureDoesNotLeaveLaterRefreshesWaitingForever() throws Exception {
        server.jsonAt(OPENID, null, 503, "{}").jsonAt(RFC8414, null, 503, "{}")
            .jsonAt(RFC8414, null, 404, "{}")
            .jsonAt(OPENID, null, 200, metadata(issuer.toString())).jsonAt(RFC8414, null, 404, "{}")
            .json(200, "{\"access_token\":\"opaque-1\",\"token_type\":\"Bearer\",\"expires_in\":60}");
        java.net.http.HttpClient real = java.net.http.HttpClient.newHttpClient();
        java.util.concurrent.atomic.AtomicInteger sends = new java.util.concurrent.atomic.AtomicInteger();
        // A wrapping client (instrumentation, a closed client) may throw from sendAsync rather than fail the future.
        java.net.http.HttpClient throwingOnce = new DelegatingHttpClient(real) {
            @Override
            public <T> CompletableFuture<java.net.http.HttpResponse<T>> sendAsync(java.net.http.HttpRequest request,
                java.net.http.HttpResponse.BodyHandler<T> handler) {
                if (sends.incrementAndGet() == 3) {
                    throw new IllegalStateException("client closed");
                }
                return real.sendAsync(request, handler);
            }
        };
        OAuth2TokenRefresher refresher = OAuth2TokenRefresher.fromIssuer(issuer)
            .clientSecretBasic("orders-client", "s3cret").clientCredentialsGrant().httpClient(throwingOnce).build();

        assertThat(catchThrowableOfType(TokenEndpointException.class, () -> refresher.refresh(null))
            .getStatusCode()).hasValue(503);
        assertThat(catchThrowableOfType(TokenEndpointException.class, () -> refresher.refresh(null)))
            .hasStackTraceContaining("client closed");

        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<String> third = executor.submit(() -> refresher.refresh(null).value());
            // On the branch as it was, the discovery that threw stayed pending and this waited forever.
            assertThat(third.get(30, TimeUnit.SECONDS)).isEqualTo("opaque-1");
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void aRefreshWaitingForTheDiscoveryOfAnotherCanBeInterrupted() throws Exception {
        server.hang();
        OAuth2TokenRefresher refresher = OAuth2TokenRefresher.fromIssuer(issuer)
            .clientSecretBasic("orders-client", "s3cret").clientCredentialsGrant()
            .readTimeout(Duration.ofMinutes(10)).build();
        ExecutorService executor = Executors.newFixedThreadPool(2);
        try {
            executor.submit(() -> refresher.refresh(null));
            server.take();
            CompletableFuture<Thread> waiter = new CompletableFuture<>();
            Future<TokenEndpointException> second = executor.submit(() -> {
                waiter.complete(Thread.currentThread());
                return catchThrowableOfType(TokenEndpointException.class, () -> refresher.refresh(null));
            });
            Thread thread = waiter.get(30, TimeUnit.SECONDS);
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                while (thread.getState() != Thread.State.WAITING) {
                    Thread.onSpinWait();
                }
            });

            thread.interrupt();

            // The hang guard stays below the stub's own 60 s release of the first refresh's discovery.
            TokenEndpointException e = second.get(30, TimeUnit.SECONDS);
            assertThat(e.isTransient()).isTrue();
            assertThat(e.getCause()).isInstanceOf(InterruptedException.class);
        } finally {
            executor.shutdownNow();
        }
    }
}
