package io.github.tokenrefresh4j.redis;

import io.github.tokenrefresh4j.AccessToken;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.ArrayOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Follow the master (issue 20): after {@code SENTINEL FAILOVER}, Sentinel promotes the replica at once but
 * reconfigures the old master only later, and until then the old master accepts writes that it throws away when it
 * resyncs. A refresher on a {@code redis-sentinel://} URI leaves the old master as soon as Sentinel announces
 * {@code +switch-master}.
 */
class RedisSentinelFailoverTest {

    private static final String MASTER = "follow-master";
    private static final String KEY = "tokens:follow";
    private static final String HASH = "{" + KEY + "}";

    private final TestResources resources = new TestResources();

    @AfterEach
    void cleanUp() throws Exception {
        resources.close();
    }

    private <T extends AutoCloseable> T track(T closeable) {
        return resources.track(closeable);
    }

    private RedisCommands<String, String> inspect(String uri) {
        return resources.inspect(uri);
    }

    static String sentinel(RedisCommands<String, String> onSentinel, String... args) {
        CommandArgs<String, String> commandArgs = new CommandArgs<>(StringCodec.UTF8);
        for (String arg : args) {
            commandArgs.add(arg);
        }
        if ("FAILOVER".equals(args[0])) {
            return onSentinel.dispatch(CommandType.SENTINEL, new StatusOutput<>(StringCodec.UTF8), commandArgs);
        }
        return String.valueOf(onSentinel.dispatch(CommandType.SENTINEL, new ArrayOutput<>(StringCodec.UTF8),
            commandArgs));
    }

    private static long subscribers(RedisCommands<String, String> on) {
        return on.pubsubNumsub(HASH + ":events").getOrDefault(HASH + ":events", 0L);
    }

    @Test
    void refresherLeavesTheDemotedMasterWhenSentinelAnnouncesTheNewOne() throws Exception {
        // Sentinel cannot reconfigure this master (no REPLICAOF): it stays a master that accepts writes, as the old
        // master did for 11.5 s in issue 20, instead of being demoted within this test's timing by luck
        RedisServer master = track(RedisServer.start("--rename-command", "SLAVEOF", "SLAVEOF-DISABLED",
            "--rename-command", "REPLICAOF", "REPLICAOF-DISABLED"));
        RedisServer replica = track(RedisServer.start("--replicaof", "127.0.0.1", Integer.toString(master.port())));
        RedisCommands<String, String> onMaster = inspect(master.uri());
        RedisCommands<String, String> onReplica = inspect(replica.uri());
        await().atMost(Duration.ofSeconds(20)).until(() -> onReplica.info("replication")
            .contains("master_link_status:up"));
        RedisServer sentinelServer = track(RedisServer.startSentinel(master.port(), MASTER));
        RedisCommands<String, String> onSentinel = inspect(sentinelServer.uri());
        await().atMost(Duration.ofSeconds(30)).until(() -> sentinel(onSentinel, "REPLICAS", MASTER)
            .contains(Integer.toString(replica.port())));
        AtomicInteger issued = new AtomicInteger();
        RedisTokenRefresher refresher = track(RedisTokenRefresher.builder("redis-sentinel://127.0.0.1:"
                + sentinelServer.port() + "#" + MASTER, KEY,
                current -> AccessToken.of("token-" + issued.incrementAndGet(), Instant.now().plusSeconds(60))
                    .withRefreshToken("refresh-" + issued.get()))
            .waitTimeout(Duration.ofSeconds(20))
            .build());
        AccessToken first = refresher.refresh(null);
        assertThat(subscribers(onMaster)).as("the refresher's wake-up subscription, on the master").isOne();

        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
            .until(() -> "OK".equals(sentinel(onSentinel, "FAILOVER", MASTER)));
        await().atMost(Duration.ofSeconds(60)).until(() -> sentinel(onSentinel, "GET-MASTER-ADDR-BY-NAME", MASTER)
            .contains(Integer.toString(replica.port())));

        // without following the master the connections stay on the old one, which keeps accepting writes
        await().atMost(Duration.ofSeconds(30)).until(() -> subscribers(onMaster) == 0);
        AccessToken second = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
            .until(() -> refresher.refresh(first), token -> token != null);
        assertThat(second.value()).isEqualTo("token-2");
        assertThat(onReplica.hget(HASH, "generation")).as("written on the new master").isEqualTo("2");
    }
}
