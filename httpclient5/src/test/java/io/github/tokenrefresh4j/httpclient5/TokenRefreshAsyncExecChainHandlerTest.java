package io.github.tokenrefresh4j.httpclient5;

import io.github.tokenrefresh4j.BearerTestServer;
import io.github.tokenrefresh4j.HoldingRefresher;
import io.github.tokenrefresh4j.MutableClock;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.io.CloseMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The async client's handler against a real server on loopback. */
class TokenRefreshAsyncExecChainHandlerTest {

    private static final int CALLS = 64;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private BearerTestServer api;
    private CloseableHttpAsyncClient client;
    private HoldingRefresher refresher;

    @AfterEach
    void stop() {
        if (refresher != null) {
            refresher.release();
        }
        if (client != null) {
            client.close(CloseMode.IMMEDIATE);
        }
        if (api != null) {
            api.close();
        }
    }

    private void client(TokenRefreshDecorator tokens) {
        client = HttpAsyncClients.custom()
            .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
                .setMaxConnTotal(CALLS).setMaxConnPerRoute(CALLS).build())
            .addExecInterceptorFirst(TokenRefreshExecChainHandler.NAME,
                new TokenRefreshAsyncExecChainHandler(tokens))
            .build();
        client.start();
    }

    private TokenRefreshDecorator tokens(Duration refreshTimeout) {
        return TokenRefreshDecorator.of("orders-api", TokenRefreshExecChainHandler.configure(
            TokenRefreshConfig.custom().clock(clock).refreshTimeout(refreshTimeout)).build(), refresher);
    }

    private Future<SimpleHttpResponse> get(String path) {
        return client.execute(SimpleRequestBuilder.get(api.uri(path)).build(), null);
    }

    private static SimpleHttpResponse done(Future<SimpleHttpResponse> call) throws Exception {
        return call.get(20, TimeUnit.SECONDS);
    }

    @Test
    void concurrentCallsOnAnExpiredTokenShareOneRefresh() throws Exception {
        api = BearerTestServer.start((path, authorization) -> true);
        refresher = HoldingRefresher.expiring(clock, Duration.ofHours(1)).holdFrom(2);
        TokenRefreshDecorator tokens = tokens(Duration.ofSeconds(30));
        client(tokens);
        assertThat(done(get("/orders")).getCode()).isEqualTo(200);
        clock.advance(Duration.ofHours(2));

        List<Future<SimpleHttpResponse>> calls = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            calls.add(get("/orders"));
        }
        refresher.awaitHeld();
        await().atMost(Duration.ofSeconds(20))
            .until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == CALLS);
        refresher.release();

        for (Future<SimpleHttpResponse> call : calls) {
            assertThat(done(call).getCode()).isEqualTo(200);
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
            Future<SimpleHttpResponse> slow = get("/slow");
            assertThat(slowArrived.await(20, TimeUnit.SECONDS)).isTrue();

            assertThat(done(get("/fast")).getCode()).isEqualTo(200);
            assertThat(refresher.calls).hasValue(2);
            slowMayAnswer.countDown();

            SimpleHttpResponse retried = done(slow);
            assertThat(retried.getCode()).isEqualTo(200);
            assertThat(retried.getBodyText()).isEqualTo("ok /slow");
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

        SimpleHttpResponse response = done(get("/orders"));

        assertThat(response.getCode()).isEqualTo(401);
        assertThat(response.getBodyText()).as("the kept rejection is replayed whole").isEqualTo("invalid token");
        assertThat(response.getFirstHeader("WWW-Authenticate").getValue()).contains("invalid_token");
        assertThat(api.authorizations()).containsExactly("Bearer t1", "Bearer t2");
        assertThat(refresher.calls).hasValue(2);
    }

    @Test
    void hungRefresherFreesCallersAfterRefreshTimeout() throws Exception {
        api = BearerTestServer.start((path, authorization) -> true);
        refresher = HoldingRefresher.tokens().holdFrom(1);
        client(tokens(Duration.ofMillis(200)));

        assertThatThrownBy(() -> done(get("/orders")))
            .isInstanceOf(ExecutionException.class)
            .hasCauseInstanceOf(TokenRefreshException.class);
        assertThat(api.authorizations()).isEmpty();
    }

    @Test
    void cancellingTheFutureEndsTheWaitAndLeavesTheRefreshToOthers() throws Exception {
        api = BearerTestServer.start((path, authorization) -> true);
        refresher = HoldingRefresher.tokens().holdFrom(1);
        TokenRefreshDecorator tokens = tokens(Duration.ofMinutes(5));
        client(tokens);
        Future<SimpleHttpResponse> waiting = get("/orders");
        refresher.awaitHeld();
        await().atMost(Duration.ofSeconds(20)).until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 1);

        waiting.cancel(true);

        assertThatThrownBy(() -> done(waiting)).isInstanceOf(CancellationException.class);
        refresher.release();
        assertThat(done(get("/orders")).getCode()).isEqualTo(200);
        assertThat(refresher.calls).as("the cancelled call left the shared refresh alone").hasValue(1);
        assertThat(api.authorizations()).as("nothing was sent for the cancelled call").containsExactly("Bearer t1");
    }

    @Test
    void requestWithItsOwnAuthorizationIsSentUnchanged() throws Exception {
        api = BearerTestServer.start((path, authorization) -> true);
        refresher = HoldingRefresher.tokens();
        client(tokens(Duration.ofSeconds(30)));

        SimpleHttpResponse response = done(client.execute(SimpleRequestBuilder.get(api.uri("/token"))
            .setHeader("Authorization", "Basic b3JkZXJzOnNlY3JldA==").build(), null));

        assertThat(response.getCode()).isEqualTo(200);
        assertThat(api.authorizations()).containsExactly("Basic b3JkZXJzOnNlY3JldA==");
        assertThat(refresher.calls).hasValue(0);
    }
}
