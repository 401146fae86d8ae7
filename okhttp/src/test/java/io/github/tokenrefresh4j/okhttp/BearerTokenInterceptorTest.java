package io.github.tokenrefresh4j.okhttp;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefresher;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Call;
import okhttp3.Credentials;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The interceptor adds the token, the decorator handles {@code 401 invalid_token}. */
class BearerTokenInterceptorTest {

    private static final int CALLS = 8;

    private final MockWebServer api = new MockWebServer();
    private final AtomicInteger refreshes = new AtomicInteger();
    private final OkHttpClient.Builder clients = new OkHttpClient.Builder();
    private OkHttpClient client;

    @BeforeEach
    void start() throws IOException {
        api.start(InetAddress.getLoopbackAddress(), 0);
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
        }
        api.close();
    }

    @Test
    void oneShotBodyIsSentOnceAndItsRejectionReachesTheCaller() throws IOException, InterruptedException {
        TokenRefreshDecorator tokens = BearerTokenInterceptor.decorator("orders-api",
            current -> AccessToken.of("token-" + refreshes.incrementAndGet()));
        client = clients.addInterceptor(new BearerTokenInterceptor(tokens)).build();
        api.enqueue(invalidToken());
        api.enqueue(new MockResponse.Builder().code(200).body("[]").build());
        AtomicInteger writes = new AtomicInteger();
        RequestBody oneShot = new RequestBody() {
            @Override
            public MediaType contentType() {
                return MediaType.get("application/octet-stream");
            }

            @Override
            public void writeTo(okio.BufferedSink sink) throws IOException {
                if (writes.incrementAndGet() > 1) {
                    throw new IOException("a one-shot body was written twice");
                }
                sink.write(new byte[] {1, 2, 3});
            }

            @Override
            public boolean isOneShot() {
                return true;
            }
        };

        try (Response response = client.newCall(new Request.Builder().url(api.url("/orders")).post(oneShot).build())
            .execute()) {
            assertThat(response.code()).isEqualTo(401);
        }

        assertThat(writes).as("the body was written once").hasValue(1);
        assertThat(api.getRequestCount()).isEqualTo(1);
        assertThat(refreshes).hasValue(1);
        assertThat(tokens.getMetrics().getNumberOfRejectedTokens()).as("no verdict from it").isZero();
    }

    @Test
    void rejectedCallIsSentAgainWithTheNewToken() throws IOException, InterruptedException {
        TokenRefreshDecorator tokens = BearerTokenInterceptor.decorator("orders-api",
            current -> AccessToken.of("token-" + refreshes.incrementAndGet()));
        client = clients.addInterceptor(new BearerTokenInterceptor(tokens)).build();
        api.enqueue(invalidToken());
        api.enqueue(new MockResponse.Builder().code(200).body("[]").build());

        try (Response response = client.newCall(new Request.Builder().url(api.url("/orders")).build()).execute()) {
            assertThat(response.code()).isEqualTo(200);
            assertThat(response.body().string()).isEqualTo("[]");
        }

        assertThat(api.takeRequest(1, TimeUnit.SECONDS).getHeaders().get("Authorization"))
            .isEqualTo("Bearer token-1");
        assertThat(api.takeRequest(1, TimeUnit.SECONDS).getHeaders().get("Authorization"))
            .isEqualTo("Bearer token-2");
        assertThat(refreshes).hasValue(2);
    }

    @Test
    void concurrentRejectionsShareOneRefresh() throws Exception {
        RejectTogether server = new RejectTogether(CALLS);
        api.setDispatcher(server);
        TokenRefreshDecorator tokens = BearerTokenInterceptor.decorator("orders-api",
            current -> AccessToken.of("token-" + refreshes.incrementAndGet()));
        client = clients.addInterceptor(new BearerTokenInterceptor(tokens)).build();

        List<Integer> codes = RejectTogether.callConcurrently(client, api.url("/orders"), CALLS);

        assertThat(codes).hasSize(CALLS).containsOnly(200);
        assertThat(refreshes).as("the first token and one replacement").hasValue(2);
        assertThat(server.requestsWith("Bearer token-1")).isEqualTo(CALLS);
        assertThat(server.requestsWith("Bearer token-2")).isEqualTo(CALLS);
        assertThat(tokens.getMetrics().getNumberOfRejectedTokens()).isEqualTo(CALLS);
    }

    @Test
    void failedRefreshReachesOkHttpAsIOException() {
        TokenRefreshDecorator tokens = BearerTokenInterceptor.decorator("orders-api", current -> {
            throw new IOException("token endpoint unreachable");
        });
        client = clients.addInterceptor(new BearerTokenInterceptor(tokens)).build();

        assertThatThrownBy(() -> client.newCall(new Request.Builder().url(api.url("/orders")).build()).execute())
            .isInstanceOf(IOException.class)
            .hasCauseInstanceOf(TokenRefreshException.class);
        assertThat(api.getRequestCount()).isZero();
    }

    @Test
    void tokenClientMadeWithNewBuilderKeepsItsOwnCredentials() throws Exception {
        // The token client inherits the interceptor; its Basic credentials must reach the token endpoint untouched.
        MockWebServer tokenEndpoint = new MockWebServer();
        tokenEndpoint.start(InetAddress.getLoopbackAddress(), 0);
        try {
            AtomicReference<OkHttpClient> tokenClient = new AtomicReference<>();
            TokenRefreshDecorator tokens = BearerTokenInterceptor.decorator("orders-api", current -> {
                refreshes.incrementAndGet();
                try (Response issued = tokenClient.get().newCall(new Request.Builder()
                    .url(tokenEndpoint.url("/token"))
                    .header("Authorization", Credentials.basic("orders-client", "client-secret"))
                    .post(RequestBody.create("grant_type=client_credentials",
                        MediaType.get("application/x-www-form-urlencoded")))
                    .build()).execute()) {
                    return AccessToken.of(issued.body().string());
                }
            });
            client = clients.addInterceptor(new BearerTokenInterceptor(tokens)).build();
            tokenClient.set(client.newBuilder().build());
            tokenEndpoint.enqueue(new MockResponse.Builder().code(200).body("token-1").build());
            api.enqueue(new MockResponse.Builder().code(200).body("[]").build());

            try (Response response = client.newCall(new Request.Builder().url(api.url("/orders")).build())
                .execute()) {
                assertThat(response.code()).isEqualTo(200);
            }

            assertThat(tokenEndpoint.takeRequest(1, TimeUnit.SECONDS).getHeaders().get("Authorization"))
                .isEqualTo(Credentials.basic("orders-client", "client-secret"));
            assertThat(api.takeRequest(1, TimeUnit.SECONDS).getHeaders().get("Authorization"))
                .isEqualTo("Bearer token-1");
        } finally {
            tokenEndpoint.close();
        }
    }

    @Test
    void staleRejectionIsSentAgainWithTheCurrentTokenWithoutRefresh() throws Exception {
        // /slow presents token-1 and is answered only after /fast was rejected, refreshed and served with token-2.
        CountDownLatch slowArrived = new CountDownLatch(1);
        CountDownLatch slowMayAnswer = new CountDownLatch(1);
        TokenRefreshDecorator tokens = BearerTokenInterceptor.decorator("orders-api",
            current -> AccessToken.of("token-" + refreshes.incrementAndGet()));
        api.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                if (!"Bearer token-1".equals(request.getHeaders().get("Authorization"))) {
                    return new MockResponse.Builder().code(200).body("[]").build();
                }
                if (request.getUrl().encodedPath().equals("/slow")) {
                    slowArrived.countDown();
                    slowMayAnswer.await(10, TimeUnit.SECONDS);
                }
                return invalidToken();
            }
        });
        client = clients.addInterceptor(new BearerTokenInterceptor(tokens)).build();
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> slow = caller.submit(() -> code(client.newCall(request("/slow"))));
            assertThat(slowArrived.await(10, TimeUnit.SECONDS)).isTrue();

            assertThat(code(client.newCall(request("/fast")))).isEqualTo(200);
            assertThat(refreshes).hasValue(2);
            slowMayAnswer.countDown();

            assertThat(slow.get(10, TimeUnit.SECONDS)).isEqualTo(200);
            assertThat(refreshes).as("the stale 401 refreshed nothing").hasValue(2);
            // counted by the refresh's thread after it released /fast: wait for it
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(tokens.getMetrics().getNumberOfSuccessfulRefreshes()).isEqualTo(2));
        } finally {
            slowMayAnswer.countDown();
            caller.shutdownNow();
        }
    }

    @Test
    void cancelEndsTheWaitForARefreshAndLeavesTheRefreshToOthers() throws Exception {
        BlockedSecondRefresh refresher = new BlockedSecondRefresh();
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("orders-api", TokenRefreshConfig.custom()
            .refreshOnResult(BearerTokenInterceptor.INVALID_TOKEN)
            .refreshTimeout(Duration.ofMinutes(5))
            .build(), refresher);
        client = clients.addInterceptor(new BearerTokenInterceptor(tokens)).build();
        api.enqueue(invalidToken());
        api.enqueue(new MockResponse.Builder().code(200).body("[]").build());
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            Call waiting = client.newCall(request("/orders"));
            Future<Integer> rejected = caller.submit(() -> code(waiting));
            assertThat(refresher.secondStarted.await(10, TimeUnit.SECONDS)).isTrue();

            waiting.cancel();

            assertThatThrownBy(() -> rejected.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IOException.class);
            refresher.secondMayFinish.countDown();
            assertThat(code(client.newCall(request("/orders")))).isEqualTo(200);
            assertThat(refresher.calls).as("the cancelled call left the shared refresh alone").hasValue(2);
        } finally {
            refresher.secondMayFinish.countDown();
            caller.shutdownNow();
        }
    }

    @Test
    void callTimeoutEndsTheWaitForARefresh() throws Exception {
        BlockedSecondRefresh refresher = new BlockedSecondRefresh();
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("orders-api", TokenRefreshConfig.custom()
            .refreshOnResult(BearerTokenInterceptor.INVALID_TOKEN)
            .refreshTimeout(Duration.ofMinutes(5))
            .build(), refresher);
        client = clients.addInterceptor(new BearerTokenInterceptor(tokens))
            .callTimeout(Duration.ofSeconds(1))
            .build();
        api.enqueue(invalidToken());
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> rejected = caller.submit(() -> code(client.newCall(request("/orders"))));

            assertThatThrownBy(() -> rejected.get(20, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(InterruptedIOException.class);
        } finally {
            refresher.secondMayFinish.countDown();
            caller.shutdownNow();
        }
    }

    static MockResponse invalidToken() {
        return new MockResponse.Builder().code(401)
            .addHeader("WWW-Authenticate", "Bearer realm=\"api\", error=\"invalid_token\"")
            .build();
    }

    private Request request(String path) {
        return new Request.Builder().url(api.url(path)).build();
    }

    private static int code(Call call) throws IOException {
        try (Response response = call.execute()) {
            return response.code();
        }
    }

    /** Issues token-1 at once; the second refresh starts, then waits until the test lets it finish. */
    static final class BlockedSecondRefresh implements TokenRefresher {
        final AtomicInteger calls = new AtomicInteger();
        final CountDownLatch secondStarted = new CountDownLatch(1);
        final CountDownLatch secondMayFinish = new CountDownLatch(1);

        @Override
        public AccessToken refresh(AccessToken current) throws InterruptedException {
            int call = calls.incrementAndGet();
            if (call == 2) {
                secondStarted.countDown();
                secondMayFinish.await();
            }
            return AccessToken.of("token-" + call);
        }
    }
}
