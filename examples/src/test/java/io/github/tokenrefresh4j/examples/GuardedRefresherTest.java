package io.github.tokenrefresh4j.examples;

import io.github.resilience4j.retry.Retry;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefresher;
import io.github.tokenrefresh4j.oauth2.OAuth2TokenRefresher;
import io.github.tokenrefresh4j.oauth2.TokenEndpointException;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The recipe that guards the refresher with its own Retry. */
class GuardedRefresherTest {

    private static final String CLIENT_SECRET = "s3cr3t-client";
    private static final String REFRESH_TOKEN = "refresh-0";

    private final MockWebServer tokenEndpoint = new MockWebServer();
    private Retry retry;

    @BeforeEach
    void start() throws IOException {
        tokenEndpoint.start(InetAddress.getLoopbackAddress(), 0);
        retry = Retry.of("token-endpoint", GuardedRefresher.TRANSIENT_FAILURES);
    }

    @AfterEach
    void stop() {
        tokenEndpoint.close();
    }

    private Supplier<String> call(OAuth2TokenRefresher.Builder refresher) {
        TokenRefresher guarded = GuardedRefresher.withRetry(retry, refresher.build());
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("orders-api", TokenRefreshConfig.ofDefaults(), guarded);
        return TokenRefreshDecorator.decorateFunction(tokens, token -> token.value());
    }

    private OAuth2TokenRefresher.Builder refreshTokenGrant() {
        return OAuth2TokenRefresher.refreshToken(tokenEndpoint.url("/token").uri(), "orders-client", CLIENT_SECRET,
            REFRESH_TOKEN);
    }

    @Test
    void unavailableTokenEndpointIsRetriedWithinOneRefresh() {
        tokenEndpoint.enqueue(new MockResponse.Builder().code(503).addHeader("Retry-After", "0").build());
        tokenEndpoint.enqueue(new MockResponse.Builder().code(429).build());
        tokenEndpoint.enqueue(tokenResponse());

        assertThat(call(refreshTokenGrant()).get()).isEqualTo("token-1");

        assertThat(tokenEndpoint.getRequestCount()).isEqualTo(3);
        assertThat(retry.getMetrics().getNumberOfSuccessfulCallsWithRetryAttempt()).isEqualTo(1);
    }

    @Test
    void refusedConnectionIsRetriedBecauseNoRequestReachedTheServer() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Supplier<String> call = call(OAuth2TokenRefresher.refreshToken(
            URI.create("http://127.0.0.1:" + closedPort + "/token"), "orders-client", CLIENT_SECRET, REFRESH_TOKEN));

        assertThatThrownBy(call::get).isInstanceOf(TokenRefreshException.class);

        assertThat(retry.getMetrics().getNumberOfFailedCallsWithRetryAttempt()).isEqualTo(1);
    }

    @Test
    void lostAnswerOnARefreshTokenGrantIsNotRetriedSoTheSpentRefreshTokenIsNotPresentedAgain() {
        // The server read the request, so it may have rotated the refresh token, then the connection dropped.
        tokenEndpoint.enqueue(new MockResponse.Builder().onResponseStart(new SocketEffect.CloseSocket()).build());
        tokenEndpoint.enqueue(tokenResponse());

        assertThatThrownBy(call(refreshTokenGrant())::get)
            .isInstanceOf(TokenRefreshException.class)
            .rootCause().isInstanceOf(IOException.class);

        assertThat(tokenEndpoint.getRequestCount()).isEqualTo(1);
        assertThat(retry.getMetrics().getNumberOfFailedCallsWithoutRetryAttempt()).isEqualTo(1);
    }

    @Test
    void serverErrorOnARefreshTokenGrantIsNotRetried() {
        tokenEndpoint.enqueue(new MockResponse.Builder().code(500).build());
        tokenEndpoint.enqueue(tokenResponse());

        assertThatThrownBy(call(refreshTokenGrant())::get).isInstanceOf(TokenRefreshException.class)
            .cause().isInstanceOfSatisfying(TokenEndpointException.class, e -> assertThat(e.isTransient()).isTrue());

        assertThat(tokenEndpoint.getRequestCount()).isEqualTo(1);
    }

    @Test
    void rejectedClientIsNotRetriedAndTheMessageHoldsNoSecret() {
        tokenEndpoint.enqueue(new MockResponse.Builder().code(401)
            .addHeader("Content-Type", "application/json")
            .body("{\"error\":\"invalid_client\",\"error_description\":\"bad secret " + CLIENT_SECRET + "\"}")
            .build());

        assertThatThrownBy(call(OAuth2TokenRefresher.clientCredentials(tokenEndpoint.url("/token").uri(),
            "orders-client", CLIENT_SECRET))::get)
            .isInstanceOf(TokenRefreshException.class)
            .hasRootCauseInstanceOf(TokenEndpointException.class)
            .rootCause().hasMessageContaining("answered 401 invalid_client: \"bad secret ***\"")
            .hasMessageNotContaining(CLIENT_SECRET);
        assertThat(tokenEndpoint.getRequestCount()).isEqualTo(1);
    }

    private static MockResponse tokenResponse() {
        return new MockResponse.Builder().code(200)
            .addHeader("Content-Type", "application/json")
            .body("{\"access_token\":\"token-1\",\"token_type\":\"Bearer\",\"expires_in\":300}")
            .build();
    }
}
