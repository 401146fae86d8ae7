package io.github.tokenrefresh4j.okhttp;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.github.tokenrefresh4j.okhttp.BearerTokenInterceptorTest.invalidToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The authenticator answers {@code 401 invalid_token} through OkHttp's follow-up handling. */
class TokenRefreshAuthenticatorTest {

    private static final int CALLS = 8;

    private final MockWebServer api = new MockWebServer();
    private final AtomicInteger refreshes = new AtomicInteger();
    private final TokenRefreshDecorator tokens = BearerTokenInterceptor.decorator("orders-api",
        current -> AccessToken.of("token-" + refreshes.incrementAndGet()));
    private final TokenRefreshAuthenticator bearer = new TokenRefreshAuthenticator(tokens);
    private OkHttpClient client = new OkHttpClient.Builder().addInterceptor(bearer).authenticator(bearer).build();

    @BeforeEach
    void start() throws IOException {
        api.start(InetAddress.getLoopbackAddress(), 0);
    }

    @AfterEach
    void stop() {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
        api.close();
    }

    @Test
    void rejectedCallIsAnsweredWithTheNewToken() throws Exception {
        api.enqueue(invalidToken());
        api.enqueue(new MockResponse.Builder().code(200).body("[]").build());

        try (Response response = client.newCall(request()).execute()) {
            assertThat(response.code()).isEqualTo(200);
            assertThat(response.body().string()).isEqualTo("[]");
        }

        assertThat(bearerOf(api.takeRequest(1, TimeUnit.SECONDS))).isEqualTo("Bearer token-1");
        assertThat(bearerOf(api.takeRequest(1, TimeUnit.SECONDS))).isEqualTo("Bearer token-2");
        assertThat(refreshes).hasValue(2);
    }

    @Test
    void concurrentRejectionsShareOneRefresh() throws Exception {
        RejectTogether server = new RejectTogether(CALLS);
        api.setDispatcher(server);

        List<Integer> codes = RejectTogether.callConcurrently(client, api.url("/orders"), CALLS);

        assertThat(codes).hasSize(CALLS).containsOnly(200);
        assertThat(refreshes).as("the first token and one replacement").hasValue(2);
        assertThat(server.requestsWith("Bearer token-2")).isEqualTo(CALLS);
    }

    @Test
    void tokensTheApiAlwaysRejectsStartTheCooldownInsteadOfARefreshPerCall() {
        api.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return invalidToken(); // say, tokens minted for another audience
            }
        });

        for (int call = 0; call < 5; call++) {
            try {
                code(client.newCall(request()));
            } catch (IOException refusedDuringTheCooldown) {
                assertThat(refusedDuringTheCooldown).hasCauseInstanceOf(TokenRefreshException.class);
            }
        }

        assertThat(refreshes).as("token-1 and one replacement, both rejected before any success; then the "
            + "cooldown, as with the interceptor").hasValue(2);
    }

    @Test
    void staleRejectionIsAnsweredWithTheCurrentTokenWithoutRefresh() throws Exception {
        tokens.executeFunction(token -> token); // the decorator now holds token-1
        Request sentWithOldToken = request().newBuilder().header("Authorization", "Bearer token-0").build();

        Request answer = bearer.authenticate(null, rejection(sentWithOldToken));

        assertThat(answer.header("Authorization")).isEqualTo("Bearer token-1");
        assertThat(refreshes).hasValue(1);
        assertThat(tokens.getMetrics().getNumberOfRejectedTokens()).isZero();
    }

    @Test
    void secondRejectionReachesTheCallerUnchanged() throws Exception {
        api.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return invalidToken();
            }
        });

        assertThat(code(client.newCall(request()))).isEqualTo(401);
        assertThat(api.getRequestCount()).as("one retry, no loop").isEqualTo(2);
        assertThat(refreshes).hasValue(2);
    }

    @Test
    void unauthorizedWithoutInvalidTokenIsNotAnswered() throws Exception {
        api.enqueue(new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", "Bearer realm=\"api\"")
            .build());

        assertThat(code(client.newCall(request()))).isEqualTo(401);
        assertThat(api.getRequestCount()).isEqualTo(1);
        assertThat(refreshes).hasValue(1);
    }

    @Test
    void usedAsAuthenticatorOnlyItAnswersTheChallengeForMissingCredentials() throws Exception {
        client = new OkHttpClient.Builder().authenticator(bearer).build();
        api.enqueue(new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", "Bearer realm=\"api\"")
            .build());
        api.enqueue(new MockResponse.Builder().code(200).build());

        assertThat(code(client.newCall(request()))).isEqualTo(200);
        assertThat(bearerOf(api.takeRequest(1, TimeUnit.SECONDS))).isNull();
        assertThat(bearerOf(api.takeRequest(1, TimeUnit.SECONDS))).isEqualTo("Bearer token-1");
    }

    @Test
    void cancelEndsTheWaitForARefreshInTheAuthenticator() throws Exception {
        BearerTokenInterceptorTest.BlockedSecondRefresh refresher = new BearerTokenInterceptorTest.BlockedSecondRefresh();
        TokenRefreshDecorator blocking = TokenRefreshDecorator.of("orders-api", TokenRefreshConfig.custom()
            .refreshOnResult(BearerTokenInterceptor.INVALID_TOKEN)
            .refreshTimeout(Duration.ofMinutes(5))
            .build(), refresher);
        TokenRefreshAuthenticator slowBearer = new TokenRefreshAuthenticator(blocking);
        client = new OkHttpClient.Builder().addInterceptor(slowBearer).authenticator(slowBearer).build();
        api.enqueue(invalidToken());
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            Call waiting = client.newCall(request());
            Future<Integer> rejected = caller.submit(() -> code(waiting));
            assertThat(refresher.secondStarted.await(10, TimeUnit.SECONDS)).isTrue();

            waiting.cancel();

            assertThatThrownBy(() -> rejected.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IOException.class);
        } finally {
            refresher.secondMayFinish.countDown();
            caller.shutdownNow();
        }
    }

    @Test
    void failedRefreshReachesOkHttpAsIOException() {
        TokenRefreshAuthenticator failing = new TokenRefreshAuthenticator(BearerTokenInterceptor.decorator(
            "orders-api", current -> {
                throw new IOException("token endpoint unreachable");
            }));
        client = new OkHttpClient.Builder().addInterceptor(failing).authenticator(failing).build();

        assertThatThrownBy(() -> client.newCall(request()).execute())
            .isInstanceOf(IOException.class)
            .hasCauseInstanceOf(TokenRefreshException.class);
        assertThat(api.getRequestCount()).isZero();
    }

    private Response rejection(Request request) {
        return new Response.Builder().request(request).protocol(Protocol.HTTP_1_1).code(401).message("Unauthorized")
            .header("WWW-Authenticate", "Bearer error=\"invalid_token\"").build();
    }

    private Request request() {
        return new Request.Builder().url(api.url("/orders")).build();
    }

    private static String bearerOf(RecordedRequest request) {
        return request.getHeaders().get("Authorization");
    }

    private static int code(Call call) throws IOException {
        try (Response response = call.execute()) {
            return response.code();
        }
    }
}
