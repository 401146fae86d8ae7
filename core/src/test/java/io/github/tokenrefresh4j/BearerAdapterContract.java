package io.github.tokenrefresh4j;

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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What every bearer-token HTTP adapter guarantees, against a real server on loopback ({@link BearerTestServer}):
 * a subclass installs its adapter on its client and makes calls; the tests here are the contract. Shared through
 * the core's test-jar.
 */
public abstract class BearerAdapterContract {

    protected static final int CALLS = 64;

    protected final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    protected final ExecutorService callers = Executors.newCachedThreadPool();
    protected BearerTestServer api;
    protected HoldingRefresher refresher;

    /** Builds the client with the adapter under test, against {@link #api}. */
    protected abstract void install(TokenRefreshDecorator tokens) throws Exception;

    /** The refreshOnResult the adapter recognises rejections with. */
    protected abstract TokenRefreshConfig.Builder configure(TokenRefreshConfig.Builder config);

    /**
     * Makes one call and waits for it.
     *
     * @return the status code the caller sees (a 401 the client turns into an exception included)
     * @throws Exception what the caller sees when no status comes back, unwrapped from an ExecutionException
     */
    protected abstract int status(String path) throws Exception;

    /** Makes one call whose request carries this {@code Authorization} header. */
    protected abstract int statusWithAuthorization(String path, String authorization) throws Exception;

    /** Starts a call that the test will cancel: {@code cancel(true)} on it is the client's own cancellation. */
    protected Future<?> callToCancel(String path) {
        return callers.submit(() -> status(path));
    }

    /** Closes the client. */
    protected abstract void uninstall() throws Exception;

    @AfterEach
    void stopServerAndCallers() throws Exception {
        if (refresher != null) {
            refresher.release();
        }
        callers.shutdownNow();
        uninstall();
        if (api != null) {
            api.close();
        }
    }

    protected TokenRefreshDecorator tokens(Duration refreshTimeout) throws Exception {
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("orders-api",
            configure(TokenRefreshConfig.custom().clock(clock).refreshTimeout(refreshTimeout)).build(), refresher);
        install(tokens);
        return tokens;
    }

    @Test
    void concurrentCallsOnAnExpiredTokenShareOneRefresh() throws Exception {
        api = BearerTestServer.start((path, authorization) -> true);
        refresher = HoldingRefresher.expiring(clock, Duration.ofHours(1)).holdFrom(2);
        TokenRefreshDecorator tokens = tokens(Duration.ofSeconds(30));
        assertThat(status("/orders")).isEqualTo(200);
        clock.advance(Duration.ofHours(2));

        List<Future<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            calls.add(callers.submit(() -> status("/orders")));
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
        tokens(Duration.ofSeconds(30));
        try {
            Future<Integer> slow = callers.submit(() -> status("/slow"));
            assertThat(slowArrived.await(20, TimeUnit.SECONDS)).isTrue();

            assertThat(status("/fast")).isEqualTo(200);
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
        tokens(Duration.ofSeconds(30));

        assertThat(status("/orders")).isEqualTo(401);
        assertThat(api.authorizations()).containsExactly("Bearer t1", "Bearer t2");
        assertThat(refresher.calls).hasValue(2);
    }

    @Test
    void hungRefresherFreesCallersAfterRefreshTimeout() throws Exception {
        api = BearerTestServer.start((path, authorization) -> true);
        refresher = HoldingRefresher.tokens().holdFrom(1);
        tokens(Duration.ofMillis(200));

        assertThatThrownBy(() -> status("/orders"))
            .isInstanceOf(TokenRefreshException.class)
            .hasMessageContaining("orders-api");
        assertThat(api.authorizations()).isEmpty();
    }

    @Test
    void cancellationEndsTheWaitForARefreshAndLeavesTheRefreshToOthers() throws Exception {
        api = BearerTestServer.start((path, authorization) -> true);
        refresher = HoldingRefresher.tokens().holdFrom(1);
        TokenRefreshDecorator tokens = tokens(Duration.ofMinutes(5));
        Future<?> waiting = callToCancel("/orders");
        refresher.awaitHeld();
        await().atMost(Duration.ofSeconds(20)).until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 1);

        waiting.cancel(true);

        assertWaitEnded(tokens);
        refresher.release();
        assertThat(status("/orders")).isEqualTo(200);
        assertThat(refresher.calls).as("the cancelled call left the shared refresh alone").hasValue(1);
        assertThat(api.authorizations()).as("nothing was sent for the cancelled call").containsExactly("Bearer t1");
    }

    /** After a cancellation: a blocked caller's thread has left the wait. */
    protected void assertWaitEnded(TokenRefreshDecorator tokens) {
        await().atMost(Duration.ofSeconds(20)).until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 0);
    }

    @Test
    void requestWithItsOwnAuthorizationIsSentUnchanged() throws Exception {
        api = BearerTestServer.start((path, authorization) -> true);
        refresher = HoldingRefresher.tokens();
        tokens(Duration.ofSeconds(30));

        assertThat(statusWithAuthorization("/token", "Basic b3JkZXJzOnNlY3JldA==")).isEqualTo(200);
        assertThat(api.authorizations()).containsExactly("Basic b3JkZXJzOnNlY3JldA==");
        assertThat(refresher.calls).hasValue(0);
    }
}
