package io.github.tokenrefresh4j.httpclient5;

import io.github.tokenrefresh4j.BearerTestServer;
import io.github.tokenrefresh4j.HoldingRefresher;
import io.github.tokenrefresh4j.MutableClock;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The classic client's handler against a real server on loopback. */
class TokenRefreshExecChainHandlerTest {

    private static final int CALLS = 64;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final ExecutorService callers = Executors.newCachedThreadPool();
    private BearerTestServer api;
    private CloseableHttpClient client;
    private HoldingRefresher refresher;

    @AfterEach
    void stop() throws IOException {
        if (refresher != null) {
            refresher.release();
        }
        callers.shutdownNow();
        if (client != null) {
            client.close();
        }
        if (api != null) {
            api.close();
        }
    }

    private CloseableHttpClient client(TokenRefreshDecorator tokens) {
        client = HttpClients.custom()
            .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnTotal(CALLS).setMaxConnPerRoute(CALLS).build())
            .addExecInterceptorFirst(TokenRefreshExecChainHandler.NAME, new TokenRefreshExecChainHandler(tokens))
            .build();
        return client;
    }

    private TokenRefreshDecorator tokens(Duration refreshTimeout) {
        return TokenRefreshDecorator.of("orders-api", TokenRefreshExecChainHandler.configure(
            TokenRefreshConfig.custom().clock(clock).refreshTimeout(refreshTimeout)).build(), refresher);
    }

    private int status(ClassicHttpRequest request) throws IOException {
        return client.execute(request, response -> {
            EntityUtils.consume(response.getEntity());
            return response.getCode();
        });
    }

    private int get(String path) throws IOException {
        return status(new HttpGet(api.uri(path)));
    }

    @Test
    void concurrentCallsOnAnExpiredTokenShareOneRefresh() throws Exception {
        api = BearerTestServer.start((path, authorization) -> true);
        refresher = HoldingRefresher.expiring(clock, Duration.ofHours(1)).holdFrom(2);
        TokenRefreshDecorator tokens = tokens(Duration.ofSeconds(30));
        client(tokens);
        assertThat(get("/orders")).isEqualTo(200);
        clock.advance(Duration.ofHours(2));

        List<Future<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            calls.add(callers.submit(() -> get("/orders")));
        }
        refresher.awaitHeld();
        await().atMost(Duration.ofSeconds(20))
            .until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == CALLS);
        refresher.release();

        for (Future<Integer> call : calls) {
            assertThat(call.get(20, TimeUnit.SECONDS)).isEqualTo(200);
        }
        assertThat(refresher.calls).as("the first token and one refresh for all %d calls", CALLS).hasValue(2);
        assertThat(api.requestsWith("Bearer t2")).isEqualTo(CALLS);
    }

    @Test
    void staleRejectionIsSentAgainWithTheCurrentTokenWithoutRefresh() throws Exception {
        CountDownLatch slowArrived = new CountDownLatch(1);
        CountDownLatch slowMayAnswer = new CountDownLatch(1);
        api = BearerTestServer.start((path, authorization) -> {
            if (!"Bearer t1".equals(authorization)) {
                return true;
            }
            if (path.equals("/slow")) {
                slowArrived.countDown();
                slowMayAnswer.await(20, TimeUnit.SECONDS);
            }
            return false;
        });
        refresher = HoldingRefresher.tokens();
        client(tokens(Duration.ofSeconds(30)));
        try {
            Future<Integer> slow = callers.submit(() -> get("/slow"));
            assertThat(slowArrived.await(20, TimeUnit.SECONDS)).isTrue();

            assertThat(get("/fast")).isEqualTo(200);
            assertThat(refresher.calls).hasValue(2);
            slowMayAnswer.countDown();

            assertThat(slow.get(20, TimeUnit.SECONDS)).isEqualTo(200);
            assertThat(refresher.calls).as("the stale 401 refreshed nothing").hasValue(2);
            assertThat(api.authorizations()).containsExactlyInAnyOrder(
                "Bearer t1", "Bearer t1", "Bearer t2", "Bearer t2");
        } finally {
            slowMayAnswer.countDown();
        }
    }

    @Test
    void callRejectedAgainAfterItsRetryEndsWithItsOwn401() throws Exception {
        api = BearerTestServer.start((path, authorization) -> false);
        refresher = HoldingRefresher.tokens();
        client(tokens(Duration.ofSeconds(30)));

        assertThat(get("/orders")).isEqualTo(401);
        assertThat(api.authorizations()).containsExactly("Bearer t1", "Bearer t2");
        assertThat(refresher.calls).hasValue(2);
    }

    @Test
    void hungRefresherFreesCallersAfterRefreshTimeout() throws Exception {
        api = BearerTestServer.start((path, authorization) -> true);
        refresher = HoldingRefresher.tokens().holdFrom(1);
        client(tokens(Duration.ofMillis(200)));

        assertThatThrownBy(() -> get("/orders"))
            .isInstanceOf(TokenRefreshException.class)
            .hasMessageContaining("orders-api");
        assertThat(api.authorizations()).isEmpty();
    }

    @Test
    void interruptEndsTheWaitForARefreshAndLeavesTheRefreshToOthers() throws Exception {
        api = BearerTestServer.start((path, authorization) -> true);
        refresher = HoldingRefresher.tokens().holdFrom(1);
        TokenRefreshDecorator tokens = tokens(Duration.ofMinutes(5));
        client(tokens);
        Future<Integer> waiting = callers.submit(() -> get("/orders"));
        refresher.awaitHeld();
        await().atMost(Duration.ofSeconds(20)).until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 1);

        waiting.cancel(true);

        await().atMost(Duration.ofSeconds(20)).until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 0);
        refresher.release();
        assertThat(get("/orders")).isEqualTo(200);
        assertThat(refresher.calls).as("the interrupted call left the shared refresh alone").hasValue(1);
        assertThat(api.authorizations()).as("nothing was sent for the interrupted call").containsExactly("Bearer t1");
    }

    @Test
    void nonRepeatableEntityIsSentOnceAndItsRejectionReachesTheCaller() throws Exception {
        api = BearerTestServer.start((path, authorization) -> !"Bearer t1".equals(authorization));
        refresher = HoldingRefresher.tokens();
        TokenRefreshDecorator tokens = tokens(Duration.ofSeconds(30));
        client(tokens);
        HttpPost post = new HttpPost(api.uri("/orders"));
        post.setEntity(new InputStreamEntity(new ByteArrayInputStream(new byte[] {1, 2, 3}), 3,
            ContentType.APPLICATION_OCTET_STREAM));

        assertThat(status(post)).isEqualTo(401);
        assertThat(api.authorizations()).containsExactly("Bearer t1");
        assertThat(refresher.calls).hasValue(1);
        assertThat(get("/orders")).as("a repeatable request finds the token rejected").isEqualTo(200);
        assertThat(refresher.calls).hasValue(2);
    }

    @Test
    void requestWithItsOwnAuthorizationIsSentUnchanged() throws Exception {
        api = BearerTestServer.start((path, authorization) -> true);
        refresher = HoldingRefresher.tokens();
        client(tokens(Duration.ofSeconds(30)));
        HttpGet basic = new HttpGet(api.uri("/token"));
        basic.setHeader("Authorization", "Basic b3JkZXJzOnNlY3JldA==");

        assertThat(status(basic)).isEqualTo(200);
        assertThat(api.authorizations()).containsExactly("Basic b3JkZXJzOnNlY3JldA==");
        assertThat(refresher.calls).hasValue(0);
    }

    @Test
    void toStringNamesTheDecoratorNeverAToken() {
        refresher = HoldingRefresher.tokens();
        assertThat(new TokenRefreshExecChainHandler(tokens(Duration.ofSeconds(1))))
            .hasToString("TokenRefreshExecChainHandler{orders-api}");
        assertThatThrownBy(() -> new TokenRefreshExecChainHandler(null))
            .isInstanceOf(NullPointerException.class).hasMessageContaining("tokens");
    }
}
