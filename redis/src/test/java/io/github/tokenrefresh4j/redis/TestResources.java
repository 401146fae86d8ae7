package io.github.tokenrefresh4j.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What one test started (servers, refreshers, clients), closed in reverse order by {@link #close()}. */
final class TestResources implements AutoCloseable {

    private final List<AutoCloseable> closeables = new ArrayList<>();

    <T extends AutoCloseable> T track(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    /** The test's own commands on {@code uri}, to look into Redis (or Sentinel) behind the refreshers' backs. */
    RedisCommands<String, String> inspect(String uri) {
        RedisClient client = RedisClient.create(uri);
        track(() -> client.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
        StatefulRedisConnection<String, String> connection = track(client.connect());
        return connection.sync();
    }

    @Override
    public void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        closeables.clear();
    }
}
