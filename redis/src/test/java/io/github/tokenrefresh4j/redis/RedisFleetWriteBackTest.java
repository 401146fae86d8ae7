package io.github.tokenrefresh4j.redis;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefresher;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.github.tokenrefresh4j.redis.RedisTokenRefresherTest.SAME_GRANT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Redis restarted empty right after a rotation (issue 20): instance {@code a} refreshed to generation 2 and holds an
 * unexpired token, so it makes no call; instance {@code b} saw only generation 1, whose refresh token is spent, and
 * needs a token. Each piece of the rule gets its test against a real redis-server and an endpoint that revokes the
 * token family on reuse: {@code a} writes generation 2 back as soon as it reconnects, and when another instance's
 * write-back asks for it; {@code b} does not refresh from the token it wrote back until {@code writeBackWindow} has
 * passed.
 */
class RedisFleetWriteBackTest {

    private static final String KEY = "tokens:write-back";
    private static final String HASH = "{" + KEY + "}";

    private final TestResources resources = new TestResources();
    private final RotatingTokenServer endpoint = new RotatingTokenServer(Duration.ofMinutes(5), Duration.ofMinutes(10));

    @AfterEach
    void cleanUp() throws Exception {
        resources.close();
    }

    /** The refresh tokens presented to the endpoint, in order; "" for a first grant. */
    private List<String> presented() {
        return endpoint.presented();
    }

    private RedisTokenRefresher.Builder instance(String uri) {
        return RedisTokenRefresher.builder(uri, KEY, endpoint.refresher()).waitTimeout(Duration.ofSeconds(20))
            .minTimeToLive(Duration.ZERO);
    }

    private RedisTokenRefresher track(RedisTokenRefresher refresher) {
        return resources.track(refresher);
    }

    /** The fleet after one rotation: a refreshed to generation 2, b saw only generation 1. @return both tokens */
    private List<AccessToken> rotateWithoutB(RedisTokenRefresher a, RedisTokenRefresher b) throws Exception {
        AccessToken first = a.refresh(null);
        assertThat(b.refresh(null)).usingComparator(SAME_GRANT).isEqualTo(first);
        AccessToken second = a.refresh(first);
        assertThat(presented()).containsExactly("", first.refreshToken().orElseThrow());
        return List.of(first, second);
    }

    /** Without the write-back on reconnect, nothing puts generation 2 back until a calls again (minutes later). */
    @Test
    void anIdleInstanceWritesItsNewestTokenBackWhenItReconnectsToARedisRestartedEmpty() throws Exception {
        RedisServer server = resources.track(RedisServer.start());
        RedisCommands<String, String> raw;
        RedisTokenRefresher a = track(instance(server.uri()).build());
        RedisTokenRefresher b = track(instance(server.uri()).build());
        rotateWithoutB(a, b);

        server.stop();
        server.startAgain();
        raw = resources.inspect(server.uri());

        await().atMost(Duration.ofSeconds(30)).until(() -> "2".equals(raw.hget(HASH, "generation")));
        assertThat(raw.hget(HASH, "restored")).as("stamped as a write-back").isNotNull();
        assertThat(presented()).hasSize(2);
    }

    /**
     * FLUSHALL keeps the connections: nothing reconnects. b writes generation 1 back, which asks every instance for
     * its newest; a answers with generation 2 within b's window, and b takes it without a token request. Without the
     * request, b refreshes from the spent rt-1 once the window is over, and the family is revoked.
     */
    @Test
    void anotherInstancesWriteBackAsksAnIdleInstanceForItsNewestToken() throws Exception {
        RedisServer server = resources.track(RedisServer.start());
        RedisCommands<String, String> raw = resources.inspect(server.uri());
        RedisTokenRefresher a = track(instance(server.uri()).build());
        RedisTokenRefresher b = track(instance(server.uri()).writeBackWindow(Duration.ofSeconds(10)).build());
        List<AccessToken> rotated = rotateWithoutB(a, b);

        raw.flushall();
        AccessToken taken = b.refresh(rotated.get(0));

        assertThat(taken).usingComparator(SAME_GRANT).isEqualTo(rotated.get(1));
        assertThat(presented()).as("no token request after the FLUSHALL").hasSize(2);
        assertThat(endpoint.revoked()).isFalse();
        assertThat(raw.hget(HASH, "generation")).isEqualTo("2");
    }

    /**
     * The window alone: a, which saw generation 2, is gone; b wrote generation 1 back and must not present rt-1
     * within writeBackWindow. Without the window, b presents the spent rt-1 at once and the family is revoked.
     */
    @Test
    void aHolderDoesNotRefreshFromAWrittenBackTokenWithinTheWriteBackWindow() throws Exception {
        RedisServer server = resources.track(RedisServer.start());
        RedisCommands<String, String> raw = resources.inspect(server.uri());
        RedisTokenRefresher a = instance(server.uri()).build();
        RedisTokenRefresher b = track(instance(server.uri()).writeBackWindow(Duration.ofMinutes(10))
            .waitTimeout(Duration.ofSeconds(1)).build());
        AccessToken first;
        try (a) {
            first = rotateWithoutB(a, b).get(0);
        }

        raw.flushall();

        assertThatThrownBy(() -> b.refresh(first))
            .isInstanceOf(RedisTokenRefreshException.class)
            .hasMessageContaining("generation 1 was written back")
            .hasMessageContaining("writeBackWindow=PT10M")
            .hasMessageNotContaining(first.refreshToken().orElseThrow());
        assertThat(raw.hget(HASH, "generation")).isEqualTo("1");
        assertThat(presented()).as("no token request within the window").hasSize(2);
        assertThat(endpoint.revoked()).isFalse();
    }

    /**
     * The residual limit, stated by a test: when no instance that saw a newer generation writes it back within the
     * window (it stopped, or cannot reach Redis), the window ends and the holder refreshes from the token it wrote
     * back; on a server with reuse detection that revokes the family. The call never hangs.
     */
    @Test
    void afterTheWindowTheHolderRefreshesFromTheWrittenBackToken() throws Exception {
        RedisServer server = resources.track(RedisServer.start());
        RedisCommands<String, String> raw = resources.inspect(server.uri());
        RedisTokenRefresher a = instance(server.uri()).build();
        RedisTokenRefresher b = track(instance(server.uri()).writeBackWindow(Duration.ofMillis(300)).build());
        AccessToken first;
        try (a) {
            first = rotateWithoutB(a, b).get(0);
        }
        raw.flushall();

        long start = System.nanoTime();
        assertThatThrownBy(() -> b.refresh(first)).hasMessageContaining("refresh token reused");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(presented()).last().isEqualTo(first.refreshToken().orElseThrow());
        assertThat(endpoint.revoked()).isTrue();
    }

    /**
     * Redis restarted empty while the holder's request is at the token endpoint: the restart took its lock, and the
     * window alone protected its request for writeBackWindow instead of maxLockHold. The holder's watchdog takes its
     * lost lock again, so b, past the window, waits for the lock instead of presenting the refresh token the holder
     * is presenting. Without it, b presents rt-1 too, and the family is revoked.
     */
    @Test
    void aHolderWhoseLockARestartTookKeepsItPastTheWriteBackWindow() throws Exception {
        RedisServer server = resources.track(RedisServer.start());
        CountDownLatch atEndpoint = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        TokenRefresher slow = current -> {
            if (current != null) {
                atEndpoint.countDown();
                answer.await();
            }
            return endpoint.refresher().refresh(current);
        };
        RedisTokenRefresher a = track(RedisTokenRefresher.builder(server.uri(), KEY, slow)
            .waitTimeout(Duration.ofSeconds(30)).lockTimeout(Duration.ofMillis(600)).maxLockHold(Duration.ofMinutes(5))
            .minTimeToLive(Duration.ZERO)
            .build());
        RedisTokenRefresher b = track(instance(server.uri()).writeBackWindow(Duration.ofMillis(100))
            .waitTimeout(Duration.ofSeconds(2)).build());
        AccessToken first = a.refresh(null);
        assertThat(b.refresh(null)).usingComparator(SAME_GRANT).isEqualTo(first);
        CompletableFuture<AccessToken> holder = CompletableFuture.supplyAsync(() -> {
            try {
                return a.refresh(first);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        assertThat(atEndpoint.await(30, TimeUnit.SECONDS)).isTrue();

        server.stop();
        server.startAgain();
        RedisCommands<String, String> raw = resources.inspect(server.uri());
        await().atMost(Duration.ofSeconds(30)).until(() -> raw.get(HASH + ":lock") != null);

        assertThatThrownBy(() -> b.refresh(first)).isInstanceOf(RedisTokenRefreshException.class)
            .hasMessageContaining("holds the refresh lock");
        answer.countDown();
        AccessToken second = holder.get(30, TimeUnit.SECONDS);

        assertThat(presented()).containsExactly("", first.refreshToken().orElseThrow());
        assertThat(endpoint.revoked()).isFalse();
        assertThat(b.refresh(first)).usingComparator(SAME_GRANT).isEqualTo(second);
    }

    /** Zero turns the window off: the holder refreshes from the written-back token at once. */
    @Test
    void aZeroWindowRefreshesAtOnce() throws Exception {
        RedisServer server = resources.track(RedisServer.start());
        RedisCommands<String, String> raw = resources.inspect(server.uri());
        RedisTokenRefresher b = track(instance(server.uri()).writeBackWindow(Duration.ZERO)
            .waitTimeout(Duration.ofSeconds(20)).build());
        AccessToken first = b.refresh(null);
        raw.flushall();

        AccessToken second = b.refresh(first);

        assertThat(presented()).containsExactly("", first.refreshToken().orElseThrow());
        assertThat(endpoint.accepts(second.value())).isTrue();
        assertThat(b.toString()).contains("writeBackWindow=PT0S");
    }
}
