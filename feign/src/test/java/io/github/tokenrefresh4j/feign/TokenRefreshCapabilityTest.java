package io.github.tokenrefresh4j.feign;

import feign.Feign;
import feign.FeignException;
import feign.Headers;
import feign.Param;
import feign.RequestLine;
import feign.RetryableException;
import feign.Retryer;
import io.github.tokenrefresh4j.BearerTestServer;
import io.github.tokenrefresh4j.HoldingRefresher;
import io.github.tokenrefresh4j.MutableClock;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The capability's client against a real server on loopback, through Feign's default client. */
class TokenRefreshCapabilityTest {

    private static final int CALLS = 64;

    interface Orders {
        @RequestLine("GET /orders")
        String orders();

        @RequestLine("GET /slow")
        String slow();

        @RequestLine("GET /fast")
        String fast();

        @RequestLine("GET /token")
        @Headers("Authorization: {authorization}")
        String withAuthorization(@Param("authorization") String authorization);
    }

    /** Counts what Feign's retryer is asked: a 401 handled inside the client must not reach it. */
    static final class CountingRetryer implements Retryer {
        final AtomicInteger asked = new AtomicInteger();

        @Override
        public void continueOrPropagate(RetryableException e) {
            asked.incrementAndGet();
            throw e;
        }

        @Override
        public Retryer clone() {
            return this;
        }
    }

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final ExecutorService callers = Executors.newCachedThreadPool();
    private final CountingRetryer retryer = new CountingRetryer();
    private BearerTestServer api;
    private HoldingRefresher refresher;

    @AfterEach
    void stop() {
        if (refresher != null) {
            refresher.release();
        }
        callers.shutdownNow();
        if (api != null) {
            api.close();
        }
    }

    private TokenRefreshDecorator tokens(Duration refreshTimeout) {
        return TokenRefreshDecorator.of("orders-api", TokenRefreshConfig.custom()
            .refreshOnResult(TokenRefreshCapability.INVALID_TOKEN)
            .clock(clock)
            .refreshTimeout(refreshTimeout)
            .build(), refresher);
    }

    private Orders orders(TokenRefreshDecorator tokens) {
        return Feign.builder()
            .retryer(retryer)
            .addCapability(new TokenRefreshCapability(tokens))
            .target(Orders.class, api.uri("").toString());
    }

    @Test
    void concurrentCallsOnAnExpiredTokenShareOneRefresh() throws Exception {
        api = BearerTestServer.start((path, authorization) -> true);
        refresher = HoldingRefresher.expiring(clock, Duration.ofHours(1)).holdFrom(2);
        TokenRefreshDecorator tokens = tokens(Duration.ofSeconds(30));
        Orders orders = orders(tokens);
        assertThat(orders.orders()).isEqualTo("ok /orders");
        clock.advance(Duration.ofHours(2));

        List<Future<String>> calls = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            calls.add(callers.submit(orders::orders));
        }
        refresher.awaitHeld();
        await().atMost(Duration.ofSeconds(20))
            .until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == CALLS);
        refresher.release();

        for (Future<String> call : calls) {
            assertThat(call.get(20, TimeUnit.SECONDS)).isEqualTo("ok /orders");
        }
        assertThat(refresher.calls).as("the first token and one refresh for all %d calls", CALLS).hasValue(2);
        assertThat(api.requestsWith("Bearer t2")).isEqualTo(CALLS);
    }

    @Test
    void rejectedCallIsSentAgainInsideTheClientWithoutAskingFeignsRetryer() throws Exception {
        api = BearerTestServer.accepting("Bearer t2");
        refresher = HoldingRefresher.tokens();
        Orders orders = orders(TokenRefreshCapability.decorator("orders-api", refresher));

        assertThat(orders.orders()).isEqualTo("ok /orders");
        assertThat(api.authorizations()).containsExactly("Bearer t1", "Bearer t2");
        assertThat(retryer.asked).hasValue(0);
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
        Orders orders = orders(tokens(Duration.ofSeconds(30)));
        try {
            Future<String> slow = callers.submit(orders::slow);
            assertThat(slowArrived.await(20, TimeUnit.SECONDS)).isTrue();

            assertThat(orders.fast()).isEqualTo("ok /fast");
            assertThat(refresher.calls).hasValue(2);
            slowMayAnswer.countDown();

            assertThat(slow.get(20, TimeUnit.SECONDS)).isEqualTo("ok /slow");
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
        Orders orders = orders(tokens(Duration.ofSeconds(30)));

        assertThatThrownBy(orders::orders)
            .isInstanceOf(FeignException.Unauthorized.class)
            .satisfies(e -> assertThat(((FeignException) e).status()).isEqualTo(401));
        assertThat(api.authorizations()).containsExactly("Bearer t1", "Bearer t2");
        assertThat(refresher.calls).hasValue(2);
        assertThat(retryer.asked).as("a 401 is not Feign's retryer's business").hasValue(0);
    }

    @Test
    void hungRefresherFreesCallersAfterRefreshTimeout() throws Exception {
        api = BearerTestServer.start((path, authorization) -> true);
        refresher = HoldingRefresher.tokens().holdFrom(1);
        Orders orders = orders(tokens(Duration.ofMillis(200)));

        assertThatThrownBy(orders::orders)
            .isInstanceOf(TokenRefreshException.class)
            .hasMessageContaining("orders-api");
        assertThat(api.authorizations()).isEmpty();
        assertThat(retryer.asked).hasValue(0);
    }

    @Test
    void interruptEndsTheWaitForARefreshAndLeavesTheRefreshToOthers() throws Exception {
        api = BearerTestServer.start((path, authorization) -> true);
        refresher = HoldingRefresher.tokens().holdFrom(1);
        TokenRefreshDecorator tokens = tokens(Duration.ofMinutes(5));
        Orders orders = orders(tokens);
        Future<String> waiting = callers.submit(orders::orders);
        refresher.awaitHeld();
        await().atMost(Duration.ofSeconds(20)).until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 1);

        waiting.cancel(true);

        await().atMost(Duration.ofSeconds(20)).until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 0);
        refresher.release();
        assertThat(orders.orders()).isEqualTo("ok /orders");
        assertThat(refresher.calls).as("the interrupted call left the shared refresh alone").hasValue(1);
        assertThat(api.authorizations()).as("nothing was sent for the interrupted call").containsExactly("Bearer t1");
    }

    @Test
    void requestWithItsOwnAuthorizationIsSentUnchanged() throws Exception {
        api = BearerTestServer.start((path, authorization) -> true);
        refresher = HoldingRefresher.tokens();
        Orders orders = orders(tokens(Duration.ofSeconds(30)));

        assertThat(orders.withAuthorization("Basic b3JkZXJzOnNlY3JldA==")).isEqualTo("ok /token");
        assertThat(api.authorizations()).containsExactly("Basic b3JkZXJzOnNlY3JldA==");
        assertThat(refresher.calls).hasValue(0);
    }

    @Test
    void toStringNamesTheDecoratorNeverAToken() {
        refresher = HoldingRefresher.tokens();
        assertThat(new TokenRefreshCapability(tokens(Duration.ofSeconds(1))))
            .hasToString("TokenRefreshCapability{orders-api}");
        assertThatThrownBy(() -> new TokenRefreshCapability(null))
            .isInstanceOf(NullPointerException.class).hasMessageContaining("tokens");
    }
}
