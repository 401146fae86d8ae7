package io.github.tokenrefresh4j.redis;

import io.github.tokenrefresh4j.AccessToken;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A fleet storming one rotating-refresh-token endpoint: several instances in one JVM, several JVMs, and a lock
 * holder killed mid-refresh. The endpoint revokes the token family on any reuse, so a single uncoordinated refresh
 * fails the test.
 */
class RedisTokenRefresherFleetTest {

    private static final int EXPIRIES = 20;
    /**
     * Child JVMs share two cores with everything else: longer tokens and fewer expiries keep the test about
     * coordination, not about how fast a loaded machine schedules three JVMs.
     */
    private static final int EXPIRIES_ACROSS_JVMS = 8;

    private static RedisServer redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        redis.close();
    }

    @Test
    void fourInstancesInOneJvmMakeExactlyOneRequestPerExpiry() throws Exception {
        // As in the cluster and Sentinel storms: a shared token taken with minTimeToLive left must still be valid
        // when a loaded machine gets round to handing it to the decorator, which refuses an expired one.
        RotatingTokenServer endpoint = new RotatingTokenServer(Duration.ofMillis(500), Duration.ofMillis(200));
        String figures = FleetStorm.run(endpoint, 4, EXPIRIES, grant -> RedisTokenRefresher
            .builder(redis.uri(), "tokens:in-jvm", grant)
            .lockTimeout(Duration.ofSeconds(5))
            .waitTimeout(Duration.ofSeconds(5))
            .minTimeToLive(Duration.ofMillis(150))
            .build());
        System.out.println("[single Redis] " + figures);
    }

    @Test
    void threeJvmsShareOneRedisAndMakeExactlyOneRequestPerExpiry() throws Exception {
        List<ChildJvm> children = new ArrayList<>();
        try (RotatingTokenServer endpoint = new RotatingTokenServer(Duration.ofSeconds(1), Duration.ofMillis(300))) {
            URI base = endpoint.startHttp();
            try {
                for (int i = 0; i < 3; i++) {
                    children.add(ChildJvm.start("storm", redis.uri(), "tokens:multi-jvm", base.toString(), "5000"));
                }
                await().atMost(Duration.ofSeconds(60))
                    .until(() -> children.stream().allMatch(c -> c.printed("ready") || !c.process().isAlive()));
                assertThat(children).allSatisfy(c -> assertThat(c.process().isAlive()).as(c.output().toString())
                    .isTrue());
                for (ChildJvm child : children) {
                    child.send("go");
                }

                await().atMost(Duration.ofSeconds(60))
                    .until(() -> endpoint.issued() > EXPIRIES_ACROSS_JVMS || endpoint.revoked());
                for (ChildJvm child : children) {
                    child.send("stop");
                }
                for (ChildJvm child : children) {
                    assertThat(child.awaitExit(30)).as("child exited").isTrue();
                    assertThat(child.process().exitValue()).as(child.output().toString()).isZero();
                }
            } finally {
                for (ChildJvm child : children) {
                    child.close();
                }
            }

            assertThat(endpoint.revoked()).as("token family revoked").isFalse();
            assertThat(endpoint.requests()).isEqualTo(endpoint.issued()).isGreaterThan(EXPIRIES_ACROSS_JVMS);
            assertThat(endpoint.earlyRefreshes()).as("refreshes while the token had time left").isZero();
            for (ChildJvm child : children) {
                String result = child.lineStartingWith("result ");
                assertThat(result).as(child.output().toString()).matches("result calls=[1-9][0-9]* failures=0");
            }
        }
    }

    @Test
    void killedLockHolderIsTakenOverWithinLockTimeout() throws Exception {
        // Long enough that, on a loaded machine, the child's lock is still held when the survivor starts waiting.
        Duration lockTimeout = Duration.ofSeconds(3);
        String key = "tokens:takeover";
        ExecutorService survivorThread = Executors.newSingleThreadExecutor();
        RedisClient inspector = RedisClient.create(redis.uri());
        try (RotatingTokenServer endpoint = new RotatingTokenServer(Duration.ofSeconds(60), Duration.ofSeconds(60));
             StatefulRedisConnection<String, String> inspection = inspector.connect()) {
            URI base = endpoint.startHttp();
            CountDownLatch holderInRefresh = new CountDownLatch(1);
            CountDownLatch releaseHungRequest = new CountDownLatch(1);
            endpoint.hangNextRequest(holderInRefresh, releaseHungRequest);
            try (ChildJvm holder = ChildJvm.start("hold", redis.uri(), key, base.toString(),
                     Long.toString(lockTimeout.toMillis()));
                 RedisTokenRefresher survivor = RedisTokenRefresher.builder(redis.uri(), key,
                         new HttpTokenClient(base))
                     .lockTimeout(lockTimeout)
                     .waitTimeout(Duration.ofSeconds(10))
                     .build()) {
                assertThat(holderInRefresh.await(60, TimeUnit.SECONDS)).as("child reached the token endpoint")
                    .isTrue();
                assertThat(inspection.sync().get("{" + key + "}:lock")).as("the child holds the lock").isNotNull();
                Future<AccessToken> takenOver = survivorThread.submit(() -> survivor.refresh(null));
                // the survivor found the lock taken and is waiting for it
                await().atMost(Duration.ofSeconds(10))
                    .until(() -> inspection.sync().clientList().contains("cmd=pttl"));

                holder.process().destroyForcibly();
                assertThat(holder.awaitExit(10)).isTrue();
                long killedAt = System.nanoTime();
                AccessToken token = takenOver.get(10, TimeUnit.SECONDS);
                Duration takeover = Duration.ofNanos(System.nanoTime() - killedAt);

                assertThat(endpoint.accepts(token.value())).isTrue();
                assertThat(takeover).as("time from kill to a new token").isLessThan(lockTimeout.plusSeconds(1));
                assertThat(endpoint.issued()).isEqualTo(1);
                assertThat(endpoint.revoked()).isFalse();
            } finally {
                releaseHungRequest.countDown();
            }
        } finally {
            survivorThread.shutdownNow();
            inspector.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
