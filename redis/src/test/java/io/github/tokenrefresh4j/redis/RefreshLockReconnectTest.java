package io.github.tokenrefresh4j.redis;

import io.github.tokenrefresh4j.redis.internal.Deadline;
import io.github.tokenrefresh4j.redis.internal.FleetConnection;
import io.github.tokenrefresh4j.redis.internal.FleetKeys;
import io.github.tokenrefresh4j.redis.internal.RefreshLock;
import io.github.tokenrefresh4j.redis.internal.WakeUpSignal;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The watchdog after a reconnect: when Sentinel announces a new master (or a write gets READONLY) the connections
 * are dropped while a holder may be inside its delegate. The holder's watchdog must keep its lock through that,
 * or the lock expires under a live holder and another instance presents the same refresh token.
 */
class RefreshLockReconnectTest {

    private final TestResources resources = new TestResources();

    @AfterEach
    void cleanUp() throws Exception {
        resources.close();
    }

    @Test
    void watchdogKeepsTheLockOfALiveHolderAcrossAReconnect() throws Exception {
        RedisServer server = resources.track(RedisServer.start());
        RedisCommands<String, String> inspect = resources.inspect(server.uri());
        FleetKeys keys = new FleetKeys("tokens:reconnect");
        Duration lockTimeout = Duration.ofSeconds(1);
        FleetConnection redis = resources.track(FleetConnection.ofUri(RedisURI.create(server.uri()),
            "127.0.0.1:" + server.port(), Duration.ofSeconds(5), keys, new WakeUpSignal()));
        RefreshLock lock = new RefreshLock(redis, keys, lockTimeout, Duration.ofMinutes(5));
        long takenAt = System.nanoTime();
        assertThat(lock.tryAcquire("holder", Deadline.in(TimeUnit.SECONDS.toNanos(5)))).isTrue();
        RefreshLock.Watchdog watchdog = lock.watch("holder", takenAt);
        try {
            // the holder is inside its delegate; Sentinel announces a new master, and nothing else in this JVM
            // talks to Redis until the delegate returns
            redis.reconnect();
            // the watchdog renews the lock, on the new connection, back to its full lockTimeout
            long expiresWithoutRenewal = System.nanoTime() + lockTimeout.toNanos();
            await().atMost(Duration.ofSeconds(30)).until(() -> System.nanoTime() > expiresWithoutRenewal
                && inspect.pttl(keys.lock()) > 0);
            assertThat(inspect.get(keys.lock())).isEqualTo("holder");
        } finally {
            watchdog.stop();
        }
    }
}
