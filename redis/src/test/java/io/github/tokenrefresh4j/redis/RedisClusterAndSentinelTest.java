package io.github.tokenrefresh4j.redis;

import io.github.tokenrefresh4j.AccessToken;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real 3-master Redis Cluster and a real Sentinel setup (one master, one replica, one sentinel), both started by
 * the tests from the same redis-server binary as every other test (so they also run with the embedded one). The
 * cluster is formed with CLUSTER ADDSLOTS and CLUSTER MEET through Lettuce: no redis-cli needed.
 */
class RedisClusterAndSentinelTest {

    private static final int EXPIRIES = 10;
    private static final int INSTANCES = 4;
    private static final String MASTER_NAME = "tokens-master";
    /**
     * Short tokens keep the storms short; the margins are wide enough that a shared token taken with
     * minTimeToLive left is still valid when a loaded machine gets round to using it.
     */
    private static final Duration TOKEN_LIFETIME = Duration.ofMillis(500);
    private static final Duration MIN_TIME_TO_LIVE = Duration.ofMillis(150);
    private static final Duration EARLY_MARGIN = Duration.ofMillis(200);

    private static final List<RedisServer> servers = new ArrayList<>();
    private static final List<RedisServer> clusterNodes = new ArrayList<>();
    private static final List<RedisClient> inspectors = new ArrayList<>();
    private static final List<StatefulRedisConnection<String, String>> nodeConnections = new ArrayList<>();
    private static RedisClusterClient cluster;

    @BeforeAll
    static void startClusterAndSentinel() throws Exception {
        for (int i = 0; i < 3; i++) {
            RedisServer node = RedisServer.startClusterNode();
            servers.add(node);
            clusterNodes.add(node);
            RedisClient inspector = RedisClient.create(node.uri());
            inspectors.add(inspector);
            nodeConnections.add(inspector.connect());
        }
        int[] firstSlot = {0, 5461, 10923, 16384};
        for (int i = 0; i < 3; i++) {
            nodeConnections.get(i).sync().clusterAddSlots(IntStream.range(firstSlot[i], firstSlot[i + 1]).toArray());
            if (i > 0) {
                nodeConnections.get(0).sync().clusterMeet("127.0.0.1", clusterNodes.get(i).port());
            }
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
            nodeConnections.stream().map(c -> c.sync().clusterInfo()).allMatch(info ->
                info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:3")));
        cluster = RedisClusterClient.create(clusterNodes.stream().map(n -> RedisURI.create(n.uri())).toList());
    }

    @AfterAll
    static void stopAll() throws Exception {
        try {
            nodeConnections.forEach(StatefulRedisConnection::close);
            inspectors.forEach(i -> i.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
            if (cluster != null) {
                cluster.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        } finally {
            for (RedisServer server : servers) {
                server.close();
            }
        }
    }

    @Test
    void fourInstancesOnAThreeMasterClusterMakeExactlyOneRequestPerExpiry() throws Exception {
        RotatingTokenServer endpoint = new RotatingTokenServer(TOKEN_LIFETIME, EARLY_MARGIN);

        String figures = FleetStorm.run(endpoint, INSTANCES, EXPIRIES, grant -> RedisTokenRefresher
            .builder(cluster, "tokens:orders-api", grant)
            .waitTimeout(Duration.ofSeconds(5))
            .minTimeToLive(MIN_TIME_TO_LIVE)
            .build());
        System.out.println("[3-master cluster] " + figures);

        // the client is the test's: the closed refreshers left it usable
        try (var stillOpen = cluster.connect()) {
            assertThat(stillOpen.sync().hget("{tokens:orders-api}", "generation"))
                .isEqualTo(Integer.toString(endpoint.issued()));
        }
    }

    @Test
    void waiterOnAClusterIsWokenByPublishLongBeforeTheLockExpires() throws Exception {
        String key = "tokens:cluster-wake-up";
        CountDownLatch holderInDelegate = new CountDownLatch(1);
        CountDownLatch releaseHolder = new CountDownLatch(1);
        AtomicInteger waiterCalls = new AtomicInteger();
        AccessToken fresh = AccessToken.of("fresh", Instant.now().plusSeconds(60)).withRefreshToken("r");
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (RedisTokenRefresher holder = RedisTokenRefresher.builder(cluster, key, current -> {
                 holderInDelegate.countDown();
                 releaseHolder.await(10, TimeUnit.SECONDS);
                 return fresh;
             }).lockTimeout(Duration.ofSeconds(30)).waitTimeout(Duration.ofSeconds(30)).build();
             RedisTokenRefresher waiter = RedisTokenRefresher.builder(cluster, key, current -> {
                 waiterCalls.incrementAndGet();
                 return AccessToken.of("unexpected");
             }).lockTimeout(Duration.ofSeconds(30)).waitTimeout(Duration.ofSeconds(30)).build()) {
            Future<AccessToken> held = threads.submit(() -> holder.refresh(null));
            assertThat(holderInDelegate.await(10, TimeUnit.SECONDS)).isTrue();
            Future<AccessToken> waited = threads.submit(() -> waiter.refresh(null));
            // the waiter asked, on the master of the key's slot, how long the lock lives: it is waiting now
            await().atMost(Duration.ofSeconds(10)).until(() -> nodeConnections.stream()
                .anyMatch(c -> c.sync().clientList().contains("cmd=pttl")));
            releaseHolder.countDown();

            // the lock would live 30s: only the publish, sent on one node and heard on another, wakes the waiter
            assertThat(waited.get(5, TimeUnit.SECONDS).value()).isEqualTo("fresh");
            assertThat(held.get(5, TimeUnit.SECONDS)).isEqualTo(fresh);
            assertThat(waiterCalls).hasValue(0);
        } finally {
            releaseHolder.countDown();
            threads.shutdownNow();
        }
    }

    @Test
    void fourInstancesThroughSentinelMakeExactlyOneRequestPerExpiry() throws Exception {
        RedisServer master = track(RedisServer.start());
        RedisServer replica = track(RedisServer.start("--replicaof", "127.0.0.1", Integer.toString(master.port())));
        RedisServer sentinel = track(RedisServer.startSentinel(master.port(), MASTER_NAME));
        String uri = "redis-sentinel://127.0.0.1:" + sentinel.port() + "#" + MASTER_NAME;
        RotatingTokenServer endpoint = new RotatingTokenServer(TOKEN_LIFETIME, EARLY_MARGIN);

        String figures = FleetStorm.run(endpoint, INSTANCES, EXPIRIES, grant -> RedisTokenRefresher
            .builder(uri, "tokens:orders-api", grant)
            .waitTimeout(Duration.ofSeconds(5))
            .minTimeToLive(MIN_TIME_TO_LIVE)
            .build());
        System.out.println("[sentinel, 1 master + 1 replica] " + figures);

        RedisClient replicaClient = RedisClient.create(replica.uri());
        try (StatefulRedisConnection<String, String> onReplica = replicaClient.connect()) {
            // the refreshers wrote to the master the sentinel named, and the replica follows it
            await().atMost(Duration.ofSeconds(10)).until(() -> Integer.toString(endpoint.issued())
                .equals(onReplica.sync().hget("{tokens:orders-api}", "generation")));
        } finally {
            replicaClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        try (RedisTokenRefresher viaSentinel = RedisTokenRefresher.builder(uri, "tokens:orders-api",
            current -> AccessToken.of("unused")).build()) {
            assertThat(viaSentinel.toString()).contains("redis-sentinel://127.0.0.1:" + sentinel.port() + "#"
                + MASTER_NAME);
        }
    }

    private static RedisServer track(RedisServer server) {
        servers.add(server);
        return server;
    }
}
