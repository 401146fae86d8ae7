package io.github.tokenrefresh4j.examples;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The OkHttp recipe: the interceptor adds the token, the decorator handles {@code 401 invalid_token}. */
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
    void rejectedCallIsSentAgainWithTheNewToken() throws IOException, InterruptedException {
        TokenRefreshDecorator tokens = BearerTokenInterceptor.decorator("orders-api",
            current -> AccessToken.of("token-" + refreshes.incrementAndGet()));
        client = clients.addInterceptor(new BearerTokenInterceptor(tokens)).build();
        api.enqueue(HttpClientRecipeTest.invalidToken());
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
        // The server holds its 401s until every call has presented token-1, so all calls are rejected together.
        CountDownLatch allPresentedFirstToken = new CountDownLatch(CALLS);
        TokenRefreshDecorator tokens = BearerTokenInterceptor.decorator("orders-api",
            current -> AccessToken.of("token-" + refreshes.incrementAndGet()));
        List<Integer> codes = new ArrayList<>();
        ConcurrentHashMap<String, AtomicInteger> byToken = new ConcurrentHashMap<>();
        api.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                String authorization = request.getHeaders().get("Authorization");
                byToken.computeIfAbsent(authorization, a -> new AtomicInteger()).incrementAndGet();
                if ("Bearer token-1".equals(authorization)) {
                    allPresentedFirstToken.countDown();
                    allPresentedFirstToken.await(10, TimeUnit.SECONDS);
                    return HttpClientRecipeTest.invalidToken();
                }
                return new MockResponse.Builder().code(200).body("[]").build();
            }
        });
        client = clients.addInterceptor(new BearerTokenInterceptor(tokens)).build();
        ExecutorService callers = Executors.newFixedThreadPool(CALLS);
        try {
            List<Future<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < CALLS; i++) {
                calls.add(callers.submit(() -> {
                    try (Response response = client.newCall(
                        new Request.Builder().url(api.url("/orders")).build()).execute()) {
                        return response.code();
                    }
                }));
            }
            for (Future<Integer> call : calls) {
                codes.add(call.get(20, TimeUnit.SECONDS));
            }
        } finally {
            callers.shutdownNow();
        }

        assertThat(codes).hasSize(CALLS).containsOnly(200);
        assertThat(refreshes).as("the first token and one replacement").hasValue(2);
        assertThat(byToken.get("Bearer token-1")).hasValue(CALLS);
        assertThat(byToken.get("Bearer token-2")).hasValue(CALLS);
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
}
