package io.github.tokenrefresh4j.redis;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefresher;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.github.tokenrefresh4j.redis.RedisTokenRefresherTest.SAME_GRANT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Never go backwards (issue 20): each rollback source of Redis, with a real redis-server, against an endpoint that
 * rotates refresh tokens and revokes the family on reuse. An instance that has seen a newer generation than Redis
 * shows writes it back before anyone refreshes from the old one; each test fails without that rule (the instance
 * takes the old generation's token and the next refresh presents a spent refresh token, or the generation restarts).
 */
class RedisFleetRollbackTest {

    private static final String KEY = "tokens:rollback";
    private static final String HASH = "{" + KEY + "}";

    private final TestResources resources = new TestResources();
    private final RotatingTokenServer endpoint = new RotatingTokenServer(Duration.ofMinutes(5), Duration.ofMinutes(10));
    /** The refresh tokens presented to the endpoint, in order; "" for a first grant. */
    private final List<String> presented = new CopyOnWriteArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        resources.close();
    }

    private <T extends AutoCloseable> T track(T closeable) {
        return resources.track(closeable);
    }

    private TokenRefresher grant() {
        return current -> {
            String refreshToken = current == null ? null : current.refreshToken().orElseThrow();
            presented.add(refreshToken == null ? "" : refreshToken);
            return endpoint.grant(refreshToken);
        };
    }

    private RedisTokenRefresher instance(String uri) {
        return track(RedisTokenRefresher.builder(uri, KEY, grant())
            .waitTimeout(Duration.ofSeconds(20))
            .minTimeToLive(Duration.ZERO)
            .writeBackWindow(Duration.ofSeconds(1))
            .build());
    }

    private RedisCommands<String, String> inspect(String uri) {
        return resources.inspect(uri);
    }

    private static AccessToken refreshTimes(RedisTokenRefresher refresher, AccessToken current, int times)
        throws Exception {
        AccessToken token = current;
        for (int i = 0; i < times; i++) {
            token = refresher.refresh(token);
        }
        return token;
    }

    /** SAVE at generation 5, kill -9 at generation 10, restart: Redis loads generation 5. */
    @Test
    void redisRestartedFromAnOlderSnapshotGetsTheNewestTokenBackBeforeAnyoneRefreshes() throws Exception {
        RedisServer server = track(RedisServer.start());
        RedisCommands<String, String> raw = inspect(server.uri());
        RedisTokenRefresher a = instance(server.uri());
        RedisTokenRefresher b = instance(server.uri());

        AccessToken fifth = refreshTimes(a, null, 5);
        raw.save();
        AccessToken tenth = refreshTimes(a, fifth, 5);
        // b has seen generation 10 only by reading it, as every instance of a fleet does
        assertThat(b.refresh(null)).usingComparator(SAME_GRANT).isEqualTo(tenth);
        server.stop();
        server.startAgain();
        // Redis loads generation 5; a and b, which saw 10, write it back as they reconnect, without a call
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
            .until(() -> "10".equals(raw.hget(HASH, "generation")));

        // b's token expires: it refreshes from rt-10, not from the spent rt-5
        assertTenthRestoredThenRefreshedOnce(a, b, tenth, raw);
    }

    /**
     * b, whose token (the tenth) expired, writes generation 10 back and refreshes from rt-10, not from a spent
     * refresh token; a then takes the eleventh without a request of its own.
     */
    private void assertTenthRestoredThenRefreshedOnce(RedisTokenRefresher a, RedisTokenRefresher b,
                                                      AccessToken tenth, RedisCommands<String, String> raw)
        throws Exception {
        AccessToken eleventh = b.refresh(tenth);

        assertThat(endpoint.revoked()).as("token family revoked").isFalse();
        assertThat(presented.get(presented.size() - 1)).isEqualTo(tenth.refreshToken().orElseThrow());
        assertThat(endpoint.accepts(eleventh.value())).isTrue();
        assertThat(raw.hget(HASH, "generation")).isEqualTo("11");
        assertThat(a.refresh(tenth)).usingComparator(SAME_GRANT).isEqualTo(eleventh);
        assertThat(endpoint.issued()).isEqualTo(11);
    }

    /** FLUSHALL at generation 3: the instances that saw it put it back, and the generations go on from there. */
    @Test
    void flushallIsUndoneByTheInstancesThatSawTheToken() throws Exception {
        RedisServer server = track(RedisServer.start());
        RedisCommands<String, String> raw = inspect(server.uri());
        RedisTokenRefresher a = instance(server.uri());
        RedisTokenRefresher b = instance(server.uri());
        AccessToken third = refreshTimes(a, null, 3);
        assertThat(b.refresh(null)).usingComparator(SAME_GRANT).isEqualTo(third);

        raw.flushall();
        AccessToken fourth = b.refresh(third);

        assertThat(presented).hasSize(4).last().isEqualTo(third.refreshToken().orElseThrow());
        // not generation 1 again: a late holder of generation 3 must still be fenced off
        assertThat(raw.hget(HASH, "generation")).isEqualTo("4");
        // a new instance, which has seen nothing, takes the restored line instead of asking for a first grant
        RedisTokenRefresher newcomer = instance(server.uri());
        assertThat(newcomer.refresh(null)).usingComparator(SAME_GRANT).isEqualTo(fourth);
        assertThat(endpoint.revoked()).isFalse();
        assertThat(endpoint.issued()).isEqualTo(4);
    }

    /**
     * A failover that loses writes: the replica is promoted at generation 5 while the old master goes on to
     * generation 10; the old master then resyncs from the new one and holds generation 5.
     */
    @Test
    void failoverThatLostWritesIsUndoneByTheInstancesThatSawThem() throws Exception {
        RedisServer master = track(RedisServer.start());
        RedisServer replica = track(RedisServer.start("--replicaof", "127.0.0.1", Integer.toString(master.port())));
        RedisCommands<String, String> onMaster = inspect(master.uri());
        RedisCommands<String, String> onReplica = inspect(replica.uri());
        RedisTokenRefresher a = instance(master.uri());
        RedisTokenRefresher b = instance(master.uri());

        AccessToken fifth = refreshTimes(a, null, 5);
        await().atMost(Duration.ofSeconds(20)).until(() -> "5".equals(onReplica.hget(HASH, "generation")));
        onReplica.replicaofNoOne();
        AccessToken tenth = refreshTimes(a, fifth, 5);
        assertThat(b.refresh(null)).usingComparator(SAME_GRANT).isEqualTo(tenth);
        // the demoted master resyncs from the promoted replica: generations 6 to 10 are gone
        onMaster.replicaof("127.0.0.1", replica.port());
        await().atMost(Duration.ofSeconds(20)).until(() -> "5".equals(onMaster.hget(HASH, "generation")));
        onMaster.replicaofNoOne();

        assertTenthRestoredThenRefreshedOnce(a, b, tenth, onMaster);
    }

    /**
     * A replica promoted behind, through Sentinel: the replica crashes after saving generation 5, the master goes
     * on to 10 and dies, the replica restarts from its snapshot and SENTINEL FAILOVER promotes it. The instances
     * reconnect to it through Sentinel and find generation 5.
     */
    @Test
    void replicaPromotedBehindThroughSentinelGetsTheNewestTokenBack() throws Exception {
        RedisServer master = track(RedisServer.start());
        RedisServer replica = track(RedisServer.start("--replicaof", "127.0.0.1", Integer.toString(master.port())));
        RedisCommands<String, String> onReplica = inspect(replica.uri());
        await().atMost(Duration.ofSeconds(20)).until(() -> onReplica.info("replication")
            .contains("master_link_status:up"));
        RedisServer sentinel = track(RedisServer.startSentinel(master.port(), "rollback-master"));
        RedisCommands<String, String> onSentinel = inspect(sentinel.uri());
        await().atMost(Duration.ofSeconds(30)).until(() -> RedisSentinelFailoverTest.sentinel(onSentinel,
            "REPLICAS", "rollback-master").contains(Integer.toString(replica.port())));
        String uri = "redis-sentinel://127.0.0.1:" + sentinel.port() + "#rollback-master";
        RedisTokenRefresher a = instance(uri);
        RedisTokenRefresher b = instance(uri);

        AccessToken fifth = refreshTimes(a, null, 5);
        await().atMost(Duration.ofSeconds(20)).until(() -> "5".equals(onReplica.hget(HASH, "generation")));
        onReplica.save();
        replica.stop();
        AccessToken tenth = refreshTimes(a, fifth, 5);
        assertThat(b.refresh(null)).usingComparator(SAME_GRANT).isEqualTo(tenth);
        master.stop();
        replica.startAgain();
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
            .until(() -> "5".equals(onReplica.hget(HASH, "generation")));
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> "OK".equals(
            RedisSentinelFailoverTest.sentinel(onSentinel, "FAILOVER", "rollback-master")));
        await().atMost(Duration.ofSeconds(60)).until(() -> RedisSentinelFailoverTest.sentinel(onSentinel,
            "GET-MASTER-ADDR-BY-NAME", "rollback-master").contains(Integer.toString(replica.port())));
        await().atMost(Duration.ofSeconds(30)).until(() -> onReplica.info("replication").contains("role:master"));
        // 5, or 10 already if an instance reconnected to the new master and wrote it back
        assertThat(onReplica.hget(HASH, "generation")).isIn("5", "10");

        // the refreshers' connections to the dead master reconnect through Sentinel within the call's waitTimeout
        assertTenthRestoredThenRefreshedOnce(a, b, tenth, onReplica);
    }
}
