package io.github.tokenrefresh4j.examples;

import io.github.resilience4j.retry.Retry;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefresher;
import io.github.tokenrefresh4j.examples.TokenEndpointClient.TokenEndpointException;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The recipe that guards the refresher with its own Retry. */
class GuardedRefresherTest {

    private static final String CLIENT_SECRET = "s3cr3t-client";

    private final MockWebServer tokenEndpoint = new MockWebServer();
    private TokenRefreshDecorator tokens;
    private Retry retry;

    @BeforeEach
    void start() throws IOException {
        tokenEndpoint.start(InetAddress.getLoopbackAddress(), 0);
        TokenEndpointClient endpoint = new TokenEndpointClient(HttpClient.newHttpClient(),
            tokenEndpoint.url("/token").uri(), "orders-client", CLIENT_SECRET);
        retry = Retry.of("token-endpoint", GuardedRefresher.TRANSIENT_FAILURES);
        TokenRefresher refresher = GuardedRefresher.withRetry(retry, current -> endpoint.clientCredentials("orders"));
        tokens = TokenRefreshDecorator.of("orders-api", TokenRefreshConfig.ofDefaults(), refresher);
    }

    @AfterEach
    void stop() {
        tokenEndpoint.close();
    }

    @Test
    void transientTokenEndpointFailuresAreRetriedWithinOneRefresh() {
        tokenEndpoint.enqueue(new MockResponse.Builder().code(503).build());
        tokenEndpoint.enqueue(new MockResponse.Builder().code(503).build());
        tokenEndpoint.enqueue(tokenResponse());
        Supplier<String> call = TokenRefreshDecorator.decorateFunction(tokens, token -> token.value());

        assertThat(call.get()).isEqualTo("token-1");

        assertThat(tokenEndpoint.getRequestCount()).isEqualTo(3);
        assertThat(tokens.getMetrics().getNumberOfSuccessfulRefreshes()).isEqualTo(1);
        assertThat(tokens.getMetrics().getNumberOfFailedRefreshes()).isZero();
        assertThat(retry.getMetrics().getNumberOfSuccessfulCallsWithRetryAttempt()).isEqualTo(1);
    }

    @Test
    void rejectedClientIsNotRetriedAndTheMessageHoldsNoSecret() {
        tokenEndpoint.enqueue(new MockResponse.Builder().code(401)
            .body("{\"error\":\"invalid_client\",\"error_description\":\"bad secret " + CLIENT_SECRET + "\"}")
            .build());
        Supplier<String> call = TokenRefreshDecorator.decorateFunction(tokens, token -> token.value());

        assertThatThrownBy(call::get)
            .isInstanceOf(TokenRefreshException.class)
            .hasRootCauseInstanceOf(TokenEndpointException.class)
            .rootCause().hasMessage("token endpoint answered 401 (invalid_client)");
        assertThat(tokenEndpoint.getRequestCount()).isEqualTo(1);
        assertThat(tokens.getMetrics().getNumberOfFailedRefreshes()).isEqualTo(1);
    }

    private static MockResponse tokenResponse() {
        return new MockResponse.Builder().code(200)
            .addHeader("Content-Type", "application/json")
            .body("{\"access_token\":\"token-1\",\"token_type\":\"Bearer\",\"expires_in\":300}")
            .build();
    }
}
