package io.github.tokenrefresh4j.redis.internal;

import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.redis.RedisTokenRefreshException;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Owns the refresher's two Redis connections (commands, and the subscription to the wake-up channel) and decides
 * who owns the client: a client built from a URI is the refresher's and is shut down by {@link #close()}; a
 * {@link RedisClient} or {@link RedisClusterClient} passed in is the user's, and only the connections opened here
 * are closed. Connections are opened on first use, so an instance can start while Redis is down.
 *
 * <p>Every reply is awaited against a {@link Deadline}; what went wrong is sorted once, here: a refusal by Redis
 * (wrong type, script error, CROSSSLOT) is a misconfiguration and thrown as a {@link RedisTokenRefreshException};
 * anything else means Redis is unavailable right now ({@link RedisUnavailableException}).
 */
public final class FleetConnection implements AutoCloseable {

    private static final List<String> TRANSIENT_ERRORS = List.of("WRONGPASS", "NOAUTH", "NOPERM", "READONLY",
        "LOADING", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "BUSY");

    private static final Duration MAX_CONNECT_TIMEOUT = Duration.ofMillis(Integer.MAX_VALUE);
    private static final System.Logger LOG = System.getLogger(FleetConnection.class.getName());

    private final String endpoint;
    private final FleetKeys keys;
    private final Connector connector;
    private final AbstractRedisClient client;
    private final boolean ownsClient;
    private final WakeUpSignal signal;
    private final ReentrantLock connectLock = new ReentrantLock();
    private volatile Connected connection;
    private volatile StatefulRedisPubSubConnection<String, String> events;
    private volatile boolean closed;
    /** With a {@code redis-sentinel://} URI: the sentinels to hear {@code +switch-master} from, and the master. */
    private final List<RedisURI> sentinels;
    private final String masterId;
    private final List<StatefulRedisPubSubConnection<String, String>> sentinelWatches =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean watchingSentinels;
    /** Asked to write back the newest token this instance has seen; see {@link #onWriteBackRequest(Runnable)}. */
    private volatile Runnable writeBackRequest = () -> { };
    /** Every (re)connect of the client's connections, after the first command connection: a write-back request. */
    private final RedisConnectionStateListener reconnects = new RedisConnectionStateListener() {
        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> ignored, SocketAddress address) {
            if (connection != null && !closed) {
                requestWriteBack("connected to " + address);
            }
        }
    };

    private FleetConnection(String endpoint, FleetKeys keys, Connector connector, AbstractRedisClient client,
                            boolean ownsClient, WakeUpSignal signal) {
        this(endpoint, keys, connector, client, ownsClient, signal, List.of(), null);
    }

    private FleetConnection(String endpoint, FleetKeys keys, Connector connector, AbstractRedisClient client,
                            boolean ownsClient, WakeUpSignal signal, List<RedisURI> sentinels, String masterId) {
        this.endpoint = endpoint;
        this.keys = keys;
        this.connector = connector;
        this.client = client;
        this.ownsClient = ownsClient;
        this.signal = signal;
        this.sentinels = sentinels;
        this.masterId = masterId;
        client.addListener(reconnects);
    }

    /**
     * Never go backwards, without waiting for a call: {@code request} runs (on the client's scheduler, never on an
     * I/O thread) whenever one of the client's connections (re)connects after this refresher first connected, which
     * is how an instance learns that Redis restarted, failed over or was reached again, and whenever another
     * instance publishes {@code restored} on the wake-up channel because it wrote back a token Redis had lost. It
     * must not block.
     */
    public void onWriteBackRequest(Runnable request) {
        this.writeBackRequest = Objects.requireNonNull(request, "request must not be null");
    }

    private void requestWriteBack(String why) {
        LOG.log(System.Logger.Level.DEBUG, "key ''{0}'': {1}; writing back the newest token this instance has seen "
            + "if Redis lost it", keys.name(), why);
        try {
            scheduler().execute(writeBackRequest);
        } catch (RuntimeException shuttingDown) {
            // the client is shutting down: nothing left to write back with
        }
    }

    /**
     * A client of its own for {@code uri} (standalone, TLS or Sentinel): two Lettuce threads, commands rejected at
     * once while disconnected, and reconnects backing off to at most 1s.
     */
    public static FleetConnection ofUri(RedisURI uri, String endpoint, Duration waitTimeout, FleetKeys keys,
                                        WakeUpSignal signal) {
        ClientResources resources = ClientResources.builder()
            .ioThreadPoolSize(2)
            .computationThreadPoolSize(2)
            .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
            .build();
        RedisClient client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
            .autoReconnect(true)
            // fail at once while disconnected, rather than queue commands that would outlive the deadline
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            // Netty takes the connect timeout as an int of milliseconds (about 24.8 days)
            .socketOptions(SocketOptions.builder().connectTimeout(min(waitTimeout, MAX_CONNECT_TIMEOUT)).build())
            .timeoutOptions(TimeoutOptions.enabled(waitTimeout))
            .build());
        Connector connector = new Connector(
            () -> client.connectAsync(StringCodec.UTF8, uri).thenApply(c -> new Connected(c, c.async())),
            () -> client.connectPubSubAsync(StringCodec.UTF8, uri).toCompletableFuture());
        return new FleetConnection(endpoint, keys, connector, client, true, signal, List.copyOf(uri.getSentinels()),
            uri.getSentinelMasterId());
    }

    /**
     * The user's client, connected to its default URI. Lettuce has no asynchronous connect without a URI argument,
     * so the connect runs on a thread of its own and is awaited against the deadline.
     */
    public static FleetConnection ofClient(RedisClient client, FleetKeys keys, WakeUpSignal signal) {
        Objects.requireNonNull(client, "client must not be null");
        Connector connector = new Connector(
            () -> CompletableFuture.supplyAsync(() -> client.connect(StringCodec.UTF8), FleetConnection::blocking)
                .thenApply(c -> new Connected(c, c.async())),
            () -> CompletableFuture.supplyAsync(() -> client.connectPubSub(StringCodec.UTF8),
                FleetConnection::blocking));
        return new FleetConnection("your RedisClient's server", keys, connector, client, false, signal);
    }

    /**
     * The user's cluster client. Commands go to the master of the credential's slot; the subscription lives on one
     * node, which receives every publish of the cluster.
     */
    public static FleetConnection ofClusterClient(RedisClusterClient client, FleetKeys keys, WakeUpSignal signal) {
        Objects.requireNonNull(client, "client must not be null");
        // the asynchronous connects need the topology loaded, and only the blocking getPartitions() loads it
        Connector connector = new Connector(
            () -> CompletableFuture.supplyAsync(client::getPartitions, FleetConnection::blocking)
                .thenCompose(loaded -> client.connectAsync(StringCodec.UTF8))
                .thenApply(c -> new Connected(c, c.async())),
            () -> CompletableFuture.supplyAsync(client::getPartitions, FleetConnection::blocking)
                .thenCompose(loaded -> client.connectPubSubAsync(StringCodec.UTF8))
                .thenApply(connected -> connected));
        return new FleetConnection("your RedisClusterClient's cluster", keys, connector, client, false, signal);
    }

    /** @return where Redis is, for messages: {@code host:port}, the sentinels, or whose client it is; no password */
    public String endpoint() {
        return endpoint;
    }

    /** @return whether {@link #close()} shuts the client down: only if it was built here, from a URI */
    public boolean ownsClient() {
        return ownsClient;
    }

    /** @return the client's scheduler, which runs the lock watchdog; no thread of our own */
    public ScheduledExecutorService scheduler() {
        return client.getResources().eventExecutorGroup();
    }

    /**
     * @return the commands, connecting and subscribing to the wake-up channel first if needed
     * @throws RedisUnavailableException if that fails before the deadline
     * @throws IllegalStateException     if closed
     */
    public RedisClusterAsyncCommands<String, String> commands(Deadline deadline) {
        Connected c = connection;
        if (c != null && events != null) {
            return c.commands;
        }
        connectLock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the RedisTokenRefresher of key '" + keys.name() + "' is closed");
            }
            if (connection == null) {
                connection = connect(connector.commands.get(), deadline);
                watchSentinels();
            }
            if (events == null) {
                StatefulRedisPubSubConnection<String, String> pubSub = connect(connector.pubSub.get(), deadline);
                pubSub.addListener(new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String ignoredChannel, String message) {
                        signal.signalAll();
                        if ("restored".equals(message)) {
                            requestWriteBack("another instance wrote back a token");
                        }
                    }
                });
                try {
                    await(pubSub.async().subscribe(keys.events()), deadline);
                } catch (RuntimeException e) {
                    pubSub.closeAsync();
                    throw e;
                }
                events = pubSub;
            }
            return connection.commands;
        } finally {
            connectLock.unlock();
        }
    }

    /**
     * Follow the master: subscribes, on every sentinel of the URI, to {@code +switch-master}. When Sentinel
     * announces a new master for ours, the connections are dropped at once, so that the next command reconnects
     * through Sentinel to the new master instead of writing on to the demoted one (which keeps accepting writes
     * until Sentinel reconfigures it, and then throws them away). Lettuce resubscribes after a reconnect. A sentinel
     * that cannot be reached is skipped: the others, and READONLY replies, still move the fleet.
     */
    private void watchSentinels() {
        if (sentinels.isEmpty() || watchingSentinels || !(client instanceof RedisClient redisClient)) {
            return;
        }
        watchingSentinels = true;
        for (RedisURI sentinel : sentinels) {
            redisClient.connectPubSubAsync(StringCodec.UTF8, sentinel).whenComplete((pubSub, failure) -> {
                if (failure != null) {
                    LOG.log(System.Logger.Level.DEBUG, "could not subscribe to +switch-master on sentinel {0}:{1} "
                        + "({2}); the other sentinels and READONLY replies still move this instance to a new master",
                        sentinel.getHost(), Integer.toString(sentinel.getPort()), failure.toString());
                    return;
                }
                if (closed) {
                    closeQuietly(pubSub);
                    return;
                }
                sentinelWatches.add(pubSub);
                pubSub.addListener(new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String channel, String message) {
                        // "<master name> <old ip> <old port> <new ip> <new port>"
                        if (message != null && message.startsWith(masterId + ' ')) {
                            LOG.log(System.Logger.Level.INFO, "Sentinel announced a new master for ''{0}'' ({1}); "
                                + "reconnecting the refresher of key ''{2}'' to it", masterId, message,
                                keys.name());
                            // not on this I/O thread: reconnect() takes connectLock, which a caller may hold while
                            // its connect waits for this very thread (every sentinel announces the switch)
                            try {
                                scheduler().execute(FleetConnection.this::reconnect);
                            } catch (RuntimeException shuttingDown) {
                                // the client is shutting down: there is nothing left to reconnect
                            }
                        }
                    }
                });
                pubSub.async().subscribe("+switch-master");
            });
        }
    }

    /**
     * Drops both connections; the next command opens new ones, through Sentinel to the current master. Commands in
     * flight on the old connections fail, and their callers retry within their deadline.
     */
    public void reconnect() {
        Connected old;
        StatefulRedisPubSubConnection<String, String> oldEvents;
        connectLock.lock();
        try {
            old = connection;
            oldEvents = events;
            connection = null;
            events = null;
        } finally {
            connectLock.unlock();
        }
        // never a blocking close: this may run on one of the client's own threads
        if (old != null && old.connection() instanceof io.lettuce.core.api.AsyncCloseable closing) {
            closing.closeAsync();
        }
        if (oldEvents != null) {
            oldEvents.closeAsync();
        }
        // waiters look again at once, on the new master
        signal.signalAll();
    }

    /** @return the commands if connected, else null */
    public RedisClusterAsyncCommands<String, String> commandsIfConnected() {
        Connected c = connection;
        return c == null ? null : c.commands;
    }

    /**
     * For the watchdog, after {@link #reconnect()} dropped the connection under a holder whose delegate still runs
     * (nothing else in its JVM may talk to Redis until the delegate returns): opens the command connection without
     * blocking, and hands the commands over once connected. Never waits for {@code connectLock}: a thread holding it
     * may be waiting for a connect on the very thread this completes on; then that thread connects, and the
     * watchdog's next round finds its connection.
     *
     * @return the commands once connected; completed exceptionally if connecting failed or was left to another thread
     */
    public CompletableFuture<RedisClusterAsyncCommands<String, String>> commandsInBackground() {
        Connected c = connection;
        if (c != null) {
            return CompletableFuture.completedFuture(c.commands);
        }
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("closed"));
        }
        return connector.commands.get().toCompletableFuture().thenApply(connected -> {
            if (!connectLock.tryLock()) {
                closeAsync(connected);
                throw new IllegalStateException("another thread is connecting");
            }
            try {
                if (closed || connection != null) {
                    closeAsync(connected);
                    if (closed) {
                        throw new IllegalStateException("closed");
                    }
                    return connection.commands;
                }
                connection = connected;
                return connected.commands;
            } finally {
                connectLock.unlock();
            }
        });
    }

    /** Never a blocking close: this may run on one of the client's own threads. */
    private static void closeAsync(Connected connected) {
        if (connected.connection() instanceof io.lettuce.core.api.AsyncCloseable closing) {
            closing.closeAsync();
        } else {
            closeQuietly(connected);
        }
    }

    /** A connection that arrives after the deadline is closed, not leaked. */
    private <C extends AutoCloseable> C connect(CompletionStage<C> connecting, Deadline deadline) {
        CompletableFuture<C> future = connecting.toCompletableFuture();
        try {
            return await(future, deadline);
        } catch (RedisUnavailableException e) {
            future.thenAccept(FleetConnection::closeQuietly);
            if (e.getCause() instanceof TimeoutException) {
                throw new RedisUnavailableException("connecting to Redis at " + endpoint + " had not completed",
                    e.getCause());
            }
            throw e;
        } catch (RuntimeException e) {
            future.thenAccept(FleetConnection::closeQuietly);
            throw e;
        }
    }

    /**
     * Waits for a reply until the deadline; an interrupt ends the wait (the caller gave up), cancels the command if
     * it was not sent yet, and keeps the thread's interrupt flag.
     */
    public <T> T await(Future<T> reply, Deadline deadline) {
        try {
            return reply.get(deadline.remainingNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            reply.cancel(false);
            Thread.currentThread().interrupt();
            throw new TokenRefreshException("interrupted while talking to Redis at " + endpoint, e);
        } catch (TimeoutException e) {
            reply.cancel(false);
            throw new RedisUnavailableException("waiting for a reply from Redis at " + endpoint, e);
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        }
    }

    /**
     * Waits for a reply until the deadline, through interrupts, and restores the interrupt flag afterwards. The
     * command is never cancelled: storing a token and releasing the lock must reach Redis even when this thread is
     * interrupted or the deadline has passed (both scripts are safe to apply late).
     */
    public <T> T awaitUninterruptibly(Future<T> reply, Deadline deadline) {
        boolean interrupted = false;
        try {
            for (;;) {
                try {
                    return reply.get(deadline.remainingNanos(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (TimeoutException e) {
                    throw new RedisUnavailableException("waiting for a reply from Redis at " + endpoint, e);
                } catch (ExecutionException e) {
                    throw failure(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private RuntimeException failure(Throwable cause) {
        // a demoted master answers writes with READONLY: with Sentinel, ask it for the new master at once
        if (!sentinels.isEmpty() && String.valueOf(cause.getMessage()).startsWith("READONLY")) {
            reconnect();
        }
        if (cause instanceof RedisCommandExecutionException && !isTransient(cause)) {
            return new RedisTokenRefreshException("Redis at " + endpoint + " refused a command on key '"
                + keys.name() + "': " + cause.getMessage(), cause);
        }
        return new RedisUnavailableException(describe(cause), cause);
    }

    /**
     * Refusals that pass: a wrong or missing password (the operator fixes it while the fleet keeps retrying), and a
     * failover or resharding in progress (a demoted master answers READONLY, a starting one LOADING, a cluster
     * TRYAGAIN or CLUSTERDOWN). Anything else Redis refuses is a misconfiguration.
     */
    private static boolean isTransient(Throwable cause) {
        String message = String.valueOf(cause.getMessage());
        return TRANSIENT_ERRORS.stream().anyMatch(message::startsWith);
    }

    private static String describe(Throwable failure) {
        StringBuilder text = new StringBuilder(failure.getClass().getName()).append(": ").append(failure.getMessage());
        for (Throwable c = failure.getCause(); c != null && c != failure; c = c.getCause()) {
            text.append("; caused by ").append(c.getClass().getName()).append(": ").append(c.getMessage());
        }
        return text.toString();
    }

    /** Closes the connections opened here, and the client only if it was built here. Idempotent. */
    @Override
    public void close() {
        connectLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (connection != null) {
                closeQuietly(connection.connection);
            }
            if (events != null) {
                closeQuietly(events);
            }
            sentinelWatches.forEach(FleetConnection::closeQuietly);
        } finally {
            connectLock.unlock();
        }
        client.removeListener(reconnects);
        if (ownsClient) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            client.getResources().shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * Runs a blocking connect on a short-lived daemon thread: never on the client's own threads, which the connect
     * itself needs, and which the client's shutdown waits for. Connects are rare: once per connection.
     */
    private static void blocking(Runnable connect) {
        Thread thread = new Thread(connect, "tokenrefresh4j-redis-connect");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // best effort: nothing more to do with a connection we are done with
        }
    }

    /** A command connection and its commands, of a standalone or a cluster connection alike. */
    private record Connected(AutoCloseable connection, RedisClusterAsyncCommands<String, String> commands)
        implements AutoCloseable {
        @Override
        public void close() throws Exception {
            connection.close();
        }
    }

    /** How to open the two connections. */
    private record Connector(Supplier<CompletionStage<Connected>> commands,
                             Supplier<CompletionStage<StatefulRedisPubSubConnection<String, String>>> pubSub) {
    }
}
