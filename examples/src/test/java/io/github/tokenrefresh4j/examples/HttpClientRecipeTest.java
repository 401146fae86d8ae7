package io.github.tokenrefresh4j.examples;

import io.github.resilience4j.core.functions.CheckedSupplier;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.oauth2.OAuth2TokenRefresher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The JDK HttpClient recipe, with tokens from a real client_credentials grant. */
class HttpClientRecipeTest {

    private final MockOAuth2Server authorizationServer = new MockOAuth2Server();
    private final MockWebServer api = new MockWebServer();
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private TokenRefreshDecorator tokens;
    private CheckedSupplier<HttpResponse<String>> getOrders;

    @BeforeEach
    void start() throws Exception {
        authorizationServer.start(InetAddress.getLoopbackAddress(), 0);
        api.start(InetAddress.getLoopbackAddress(), 0);
        OAuth2TokenRefresher endpoint = OAuth2TokenRefresher.clientCredentials(
                authorizationServer.tokenEndpointUrl("demo").uri(), "orders-client", "secret")
            .scope("orders")
            // The server's first answer can take seconds on a loaded machine: a hang guard only.
            .readTimeout(Duration.ofSeconds(30))
            .build();
        tokens = HttpClientRecipe.decorator("orders-api", current -> {
            tokenRequests.incrementAndGet();
            return endpoint.refresh(current);
        });
        getOrders = HttpClientRecipe.getWithBearer(tokens, http, api.url("/orders").uri());
    }

    @AfterEach
    void stop() {
        api.close();
        authorizationServer.shutdown();
    }

    @Test
    void invalidTokenAnswerIsRetriedOnceWithAFreshToken() throws Throwable {
        api.enqueue(invalidToken());
        api.enqueue(new MockResponse.Builder().code(200).body("[]").build());

        HttpResponse<String> response = getOrders.get();

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(tokenRequests).hasValue(2);
        String rejected = bearer(api.takeRequest(1, TimeUnit.SECONDS));
        String accepted = bearer(api.takeRequest(1, TimeUnit.SECONDS));
        assertThat(rejected).isNotBlank();
        assertThat(accepted).isNotBlank().isNotEqualTo(rejected).isEqualTo(tokens.currentToken().value());
    }

    @Test
    void unauthorizedWithoutInvalidTokenChallengeReachesTheCallerWithoutRefresh() throws Throwable {
        api.enqueue(new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", "Basic realm=\"orders\"")
            .build());

        HttpResponse<String> response = getOrders.get();

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(tokenRequests).hasValue(1);
        assertThat(tokens.getMetrics().getNumberOfRejectedTokens()).isZero();
    }

    @Test
    void clientCredentialsTokenCarriesItsExpiryAndNoRefreshToken() throws Throwable {
        api.enqueue(new MockResponse.Builder().code(200).build());

        getOrders.get();

        assertThat(tokens.currentToken().expiresAt()).isPresent();
        assertThat(tokens.currentToken().refreshToken()).isEmpty();
        assertThat(tokens.currentToken().toString()).doesNotContain(tokens.currentToken().value());
    }

    static MockResponse invalidToken() {
        return new MockResponse.Builder().code(401)
            .addHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"")
            .body("{\"error\":\"invalid_token\"}")
            .build();
    }

    private static String bearer(RecordedRequest request) {
        String authorization = request.getHeaders().get("Authorization");
        assertThat(authorization).startsWith("Bearer ");
        return authorization.substring("Bearer ".length());
    }

}
