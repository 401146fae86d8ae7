package io.github.tokenrefresh4j.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import java.time.Duration;

/** A {@link RedisServer} for one test class, with a connection of the test's own to look into it. */
final class InspectedRedis implements AutoCloseable {

    private final RedisServer server;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    private InspectedRedis(RedisServer server, RedisClient client, StatefulRedisConnection<String, String> connection) {
        this.server = server;
        this.client = client;
        this.connection = connection;
    }

    static InspectedRedis start() throws Exception {
        RedisServer server = RedisServer.start();
        RedisClient client = RedisClient.create(server.uri());
        try {
            return new InspectedRedis(server, client, client.connect());
        } catch (RuntimeException e) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            server.close();
            throw e;
        }
    }

    String uri() {
        return server.uri();
    }

    int port() {
        return server.port();
    }

    /** The test's own commands, to read and write keys behind the refreshers' backs. */
    RedisCommands<String, String> raw() {
        return connection.sync();
    }

    @Override
    public void close() throws Exception {
        try {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } finally {
            server.close();
        }
    }
}
