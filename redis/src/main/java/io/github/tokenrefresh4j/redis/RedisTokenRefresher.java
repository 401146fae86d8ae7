package io.github.tokenrefresh4j.redis;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefresher;
import io.github.tokenrefresh4j.redis.internal.SharedTokenCodec;
import io.github.tokenrefresh4j.redis.internal.WakeUpSignal;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import javax.crypto.SecretKey;

/**
 * A {@link TokenRefresher} that makes one refresh per expiry across every JVM sharing a Redis key, by wrapping the
 * refresher that really calls the token endpoint. The core decorator coalesces calls within one JVM; this class
 * coalesces the decorators of a fleet.
 *
 * <pre>{@code
 * RedisTokenRefresher fleet = RedisTokenRefresher.builder("rediss://:secret@redis:6379", "tokens:orders-api",
 *         current -> tokenEndpoint.fetch(current))
 *     .build();
 * TokenRefreshDecorator tokens = TokenRefreshDecorator.ofDefaults("orders-api", fleet);
 * // on shutdown: fleet.close();
 * }</pre>
 *
 * <h2>What {@link #refresh(AccessToken)} does</h2>
 * <ol>
 *   <li><b>Take the shared token.</b> Read the token stored under {@code key}. If it is usable (unexpired for at
 *       least {@code minTimeToLive}) and differs from {@code current}, another instance already refreshed: return
 *       it without calling the delegate. A new instance, whose {@code current} is null, starts this way.</li>
 *   <li><b>Hold off after a failure.</b> If {@code key:failure} records that refreshing this very generation
 *       failed less than {@code failureCooldown} ago, throw a {@link RedisTokenRefreshException} at once, naming
 *       the key, the remaining cooldown and the failing instance's reason, without calling the delegate.</li>
 *   <li><b>Refresh under the lock.</b> Otherwise {@code SET key:lock <owner> NX PX lockTimeout}. The winner reads
 *       the shared token and the failure record again (either may have changed meanwhile; a record found now fails
 *       as in step 2), calls the delegate with the <em>shared</em> token, so the newest refresh token is
 *       presented, stores the result with generation {@code g + 1}, deleting any failure record, and releases the
 *       lock with a compare-and-delete script, only if it still owns it. If the delegate throws, one script
 *       writes {@code key:failure = "<g> <exception type: message>"} with {@code PX failureCooldown} and releases
 *       the lock, while the lock is still ours (or expired and untaken), and the exception is rethrown unchanged.
 *       Storing, failing and releasing each publish on {@code key:events}.</li>
 *   <li><b>Wait.</b> An instance that lost the race waits for a message on {@code key:events}, or for the lock to
 *       expire (its remaining time is read with {@code PTTL}), then goes back to step 1, where a fresh token is
 *       taken or a recorded failure fails it. Nothing polls faster than that.</li>
 *   <li><b>Give up.</b> If no token was had within {@code waitTimeout}, throw a {@link RedisTokenRefreshException}
 *       that says whether Redis was unavailable or the lock holder stored nothing.</li>
 * </ol>
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>While every lock holder finishes within {@code lockTimeout}, the delegate runs in at most one instance at a
 *       time, and is called only when the shared token is unusable or is the one the caller holds.</li>
 *   <li><b>One failure, one request.</b> With a non-zero {@code failureCooldown}, a failed refresh of generation
 *       {@code g} fails every instance waiting for the lock once, and the delegate is not called again for
 *       {@code g} anywhere in the fleet until the record expires (Redis times it, so clocks need not agree). The
 *       record is written before the lock is released, in the same script, so no instance can take the lock and
 *       miss it. A record for an older generation than the stored one is ignored, and a successful store deletes
 *       it. An {@link InterruptedException} from the delegate, or a failure while the caller is interrupted, is
 *       not recorded: it says nothing about the token endpoint. With a zero cooldown nothing is recorded, and each
 *       waiting instance calls the delegate in turn.</li>
 *   <li><b>Fencing.</b> The token is stored beside a generation, and a Lua script writes only a generation newer
 *       than the stored one. A holder that hung past {@code lockTimeout} and finishes after another instance took
 *       over never overwrites the newer token; it returns the stored one. A holder whose lock expired but that no
 *       one replaced still stores its token, because it has already used the old refresh token.</li>
 *   <li>The stored token has no Redis expiry: its refresh token outlives its access token, and the next refresh
 *       must present it.</li>
 *   <li>Every Redis command and every wait is bounded by {@code waitTimeout}; the delegate itself is bounded by the
 *       decorator's refresh timeout.</li>
 * </ul>
 *
 * <h2>Choosing the timeouts</h2>
 * {@code lockTimeout} must exceed the delegate's worst case (give its HTTP client a shorter timeout): a holder that
 * outlives its lock lets a second instance present the same refresh token. {@code waitTimeout} should be shorter
 * than the decorator's {@code refreshTimeout}, so that callers see this class's explanation rather than a bare
 * timeout. {@code failureCooldown} defaults to the decorator's own failure cooldown: after a failed refresh, each
 * instance's decorator fails fast locally as well, and the fleet's record keeps instances that were not yet
 * cooling down from calling the token endpoint.
 *
 * <h2>Security</h2>
 * Anyone who can read {@code key} in Redis can read the token, refresh token included. Use {@code rediss://},
 * a password or ACL user in the URI ({@code rediss://user:password@host:6379/0}), and, where the Redis operators
 * should not see tokens, {@link Builder#encryptionKey(SecretKey)}. Token values are never logged, and appear in
 * no message of this class. The failure record {@code key:failure} is not encrypted: it holds the generation and
 * the delegate's exception type and message, as the core's own failure messages do; keep token values out of your
 * refresher's exception messages.
 */
public final class RedisTokenRefresher implements TokenRefresher, AutoCloseable {

    /** Default of {@link Builder#lockTimeout(Duration)}. */
    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(5);
    /** Default of {@link Builder#waitTimeout(Duration)}: below the decorator's default refresh timeout of 10s. */
    public static final Duration DEFAULT_WAIT_TIMEOUT = Duration.ofSeconds(8);
    /** Default of {@link Builder#minTimeToLive(Duration)}. */
    public static final Duration DEFAULT_MIN_TIME_TO_LIVE = Duration.ofSeconds(1);
    /** Default of {@link Builder#failureCooldown(Duration)}: the core decorator's default failure cooldown. */
    public static final Duration DEFAULT_FAILURE_COOLDOWN = Duration.ofSeconds(1);

    private static final System.Logger LOG = System.getLogger(RedisTokenRefresher.class.getName());

    /**
     * KEYS[1] token hash, KEYS[2] failure record; ARGV generation, stored form, events channel. Writes only a newer
     * generation, and clears the record of a failed refresh.
     */
    private static final String STORE_SCRIPT = ""
        + "local stored = tonumber(redis.call('HGET', KEYS[1], 'generation') or '0')\n"
        + "if tonumber(ARGV[1]) <= stored then return 0 end\n"
        + "redis.call('HSET', KEYS[1], 'generation', ARGV[1], 'token', ARGV[2])\n"
        + "redis.call('DEL', KEYS[2])\n"
        + "redis.call('PUBLISH', ARGV[3], 'stored')\n"
        + "return 1\n";
    /**
     * KEYS[1] token hash, KEYS[2] failure record; returns generation, stored form, record and the record's PTTL in
     * one reply, so that the record is judged against the very generation it was read with.
     */
    private static final String READ_SCRIPT = ""
        + "return {redis.call('HGET', KEYS[1], 'generation'), redis.call('HGET', KEYS[1], 'token'),\n"
        + "    redis.call('GET', KEYS[2]), redis.call('PTTL', KEYS[2])}\n";
    /**
     * KEYS[1] lock, KEYS[2] failure record; ARGV owner, record, cooldown in ms, events channel. Records a failed
     * refresh and releases the lock in one step, so no instance can take the lock and miss the record. Records
     * nothing if another instance holds the lock: it took over, and its own outcome counts.
     */
    private static final String FAIL_SCRIPT = ""
        + "local holder = redis.call('GET', KEYS[1])\n"
        + "if holder and holder ~= ARGV[1] then return 0 end\n"
        + "redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])\n"
        + "if holder then redis.call('DEL', KEYS[1]) end\n"
        + "redis.call('PUBLISH', ARGV[4], 'failed')\n"
        + "return 1\n";
    /** KEYS[1] lock; ARGV owner, events channel. Deletes the lock only for its owner. */
    private static final String RELEASE_SCRIPT = ""
        + "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n"
        + "redis.call('DEL', KEYS[1])\n"
        + "redis.call('PUBLISH', ARGV[2], 'released')\n"
        + "return 1\n";
    /** The pause before asking Redis again after it failed, so that an outage is not a busy loop. */
    private static final long RETRY_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** A failure reason is a diagnosis, not a log: long messages are cut. */
    private static final int MAX_REASON_LENGTH = 300;

    private final RedisURI redisUri;
    private final String endpoint;
    private final String key;
    private final String lockKey;
    private final String channel;
    private final String failureKey;
    private final TokenRefresher delegate;
    private final Duration lockTimeout;
    private final Duration waitTimeout;
    private final Duration minTimeToLive;
    private final Duration failureCooldown;
    private final boolean fallbackToLocalRefresh;
    private final SharedTokenCodec codec;
    private final Clock clock;
    private final ClientResources resources;
    private final RedisClient client;
    private final WakeUpSignal signal = new WakeUpSignal();
    private final ReentrantLock connectLock = new ReentrantLock();
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile StatefulRedisPubSubConnection<String, String> events;
    private volatile boolean closed;

    private RedisTokenRefresher(Builder builder) {
        this.redisUri = builder.parsedUri;
        this.endpoint = redisUri.getHost() + ':' + redisUri.getPort();
        this.key = builder.key;
        this.lockKey = key + ":lock";
        this.channel = key + ":events";
        this.failureKey = key + ":failure";
        this.delegate = builder.delegate;
        this.lockTimeout = builder.lockTimeout;
        this.waitTimeout = builder.waitTimeout;
        this.minTimeToLive = builder.minTimeToLive;
        this.failureCooldown = builder.failureCooldown;
        this.fallbackToLocalRefresh = builder.fallbackToLocalRefresh;
        this.codec = new SharedTokenCodec(key, builder.encryptionKey);
        this.clock = builder.clock;
        // A refresher sends a few commands per token lifetime: Lettuce's minimum of two threads is plenty.
        // Reconnects back off to at most 1s, so the fleet recovers within a second of Redis coming back.
        this.resources = ClientResources.builder()
            .ioThreadPoolSize(2)
            .computationThreadPoolSize(2)
            .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
            .build();
        this.client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
            .autoReconnect(true)
            // fail at once while disconnected, rather than queue commands that would outlive waitTimeout
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .socketOptions(SocketOptions.builder().connectTimeout(waitTimeout).build())
            .timeoutOptions(TimeoutOptions.enabled(waitTimeout))
            .build());
    }

    /**
     * Starts building a refresher.
     *
     * @param redisUri {@code redis://[[user]:password@]host[:port][/database]} or {@code rediss://...} for TLS;
     *                 query parameters such as {@code ?verifyPeer=NONE} follow Lettuce's {@link RedisURI}
     * @param key      the Redis key under which the fleet shares its token; {@code key:lock} and {@code key:events}
     *                 are used beside it
     * @param delegate the refresher that calls the token endpoint
     * @return a builder
     * @throws IllegalArgumentException naming the parameter, if {@code redisUri} is not a Redis URI or {@code key}
     *                                  is blank; the message never repeats the URI, which may hold a password
     * @throws NullPointerException     naming the parameter that is null
     */
    public static Builder builder(String redisUri, String key, TokenRefresher delegate) {
        return new Builder(redisUri, key, delegate);
    }

    /**
     * Returns the fleet's shared token if another instance already replaced {@code current}; otherwise refreshes
     * through the delegate under the fleet-wide lock, or waits for the instance that holds it.
     *
     * @param current the token being replaced, or null
     * @return the new token
     * @throws RedisTokenRefreshException if no token could be had within {@code waitTimeout}, or at once if the
     *                                    fleet's last refresh of this token failed less than
     *                                    {@code failureCooldown} ago
     * @throws Exception                  what the delegate threw, unchanged
     */
    @Override
    public AccessToken refresh(AccessToken current) throws Exception {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
        long deadline = System.nanoTime() + waitTimeout.toNanos();
        RedisUnavailable lastFailure = null;
        for (;;) {
            long seen = signal.count();
            long pauseNanos;
            try {
                RedisAsyncCommands<String, String> redis = commands(deadline);
                Snapshot snapshot = read(redis, deadline);
                lastFailure = null;
                if (takesOver(snapshot.shared, current)) {
                    return snapshot.shared.token;
                }
                failIfRecentlyFailed(snapshot);
                String owner = UUID.randomUUID().toString();
                if (tryLock(redis, owner, deadline)) {
                    return refreshUnderLock(redis, owner, current);
                }
                long lockMillis = await(redis.pttl(lockKey), deadline);
                // -2: released meanwhile, try again at once; -1: a lock without expiry, not ours to break
                pauseNanos = lockMillis == -2 ? 0 : lockMillis == -1
                    ? RETRY_PAUSE_NANOS : TimeUnit.MILLISECONDS.toNanos(lockMillis);
            } catch (RedisUnavailable e) {
                if (fallbackToLocalRefresh) {
                    LOG.log(System.Logger.Level.WARNING, "Redis at {0} unavailable for key ''{1}'' ({2}); "
                        + "refreshing locally, without fleet coordination", endpoint, key, e.getMessage());
                    return delegate.refresh(current);
                }
                lastFailure = e;
                pauseNanos = RETRY_PAUSE_NANOS;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw gaveUp(lastFailure);
            }
            try {
                signal.awaitChange(seen, Math.min(pauseNanos, remaining));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TokenRefreshException("interrupted while waiting for the fleet's token under key '" + key
                    + "'", e);
            }
            // a round started with almost no time left would time out and blame Redis for the lock holder
            if (deadline - System.nanoTime() <= 0) {
                throw gaveUp(lastFailure);
            }
        }
    }

    /** Closes the Redis connections. A later {@link #refresh} throws {@link IllegalStateException}. */
    @Override
    public void close() {
        connectLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (connection != null) {
                connection.close();
            }
            if (events != null) {
                events.close();
            }
        } finally {
            connectLock.unlock();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    /** Names the Redis endpoint and key; never the password. */
    @Override
    public String toString() {
        return "RedisTokenRefresher{redis=" + (redisUri.isSsl() ? "rediss://" : "redis://") + endpoint
            + ", key='" + key + "', lockTimeout=" + lockTimeout + ", waitTimeout=" + waitTimeout
            + ", failureCooldown=" + failureCooldown + ", encrypted=" + codec.encrypts()
            + ", fallbackToLocalRefresh=" + fallbackToLocalRefresh + '}';
    }

    private AccessToken refreshUnderLock(RedisAsyncCommands<String, String> redis, String owner,
                                         AccessToken current) throws Exception {
        boolean released = false;
        try {
            Snapshot snapshot = read(redis, System.nanoTime() + waitTimeout.toNanos());
            Shared shared = snapshot.shared;
            if (takesOver(shared, current)) {
                return shared.token;
            }
            // the holder before us may have failed after we last looked, and released the lock to us
            failIfRecentlyFailed(snapshot);
            long replaced = shared != null ? shared.generation : 0;
            AccessToken fresh;
            try {
                fresh = delegate.refresh(shared != null ? shared.token : current);
                if (fresh == null) {
                    throw new IllegalStateException("the delegate of " + this + " returned null instead of a token");
                }
            } catch (Exception e) {
                // an interrupted caller gave up; that says nothing about the token endpoint
                if (!(e instanceof InterruptedException) && !Thread.currentThread().isInterrupted()) {
                    released = recordFailure(redis, owner, replaced, e);
                }
                throw e;
            }
            long generation = replaced + 1;
            long deadline = System.nanoTime() + waitTimeout.toNanos();
            try {
                Long stored = await(redis.eval(STORE_SCRIPT, ScriptOutputType.INTEGER, new String[] {key, failureKey},
                    Long.toString(generation), codec.encode(fresh), channel), deadline);
                if (stored == 0) {
                    // Fenced off: another instance took over after our lock expired and stored a newer token.
                    Shared newer = read(redis, deadline).shared;
                    LOG.log(System.Logger.Level.WARNING, "the refresh of key ''{0}'' outlived lockTimeout={1} and "
                        + "another instance stored a newer token; the delegate is slower than lockTimeout allows",
                        key, lockTimeout);
                    if (newer != null && usable(newer.token)) {
                        return newer.token;
                    }
                }
            } catch (RedisUnavailable e) {
                LOG.log(System.Logger.Level.WARNING, "refreshed key ''{0}'' but could not share the token ({1}); "
                    + "other instances will refresh on their own", key, e.getMessage());
            }
            return fresh;
        } finally {
            if (!released) {
                release(redis, owner);
            }
        }
    }

    /**
     * Records, for {@code failureCooldown}, that refreshing generation {@code replaced} failed, and releases the
     * lock, so that the instances waiting for it fail at once instead of each calling the delegate in turn.
     *
     * @return whether the lock was released
     */
    private boolean recordFailure(RedisAsyncCommands<String, String> redis, String owner, long replaced,
                                  Exception failure) {
        if (failureCooldown.isZero()) {
            return false;
        }
        try {
            Long recorded = await(redis.eval(FAIL_SCRIPT, ScriptOutputType.INTEGER, new String[] {lockKey, failureKey},
                owner, replaced + " " + reason(failure), Long.toString(failureCooldown.toMillis()), channel),
                System.nanoTime() + waitTimeout.toNanos());
            return recorded == 1;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not record the failed refresh of key ''{0}'' ({1}); other "
                + "instances will try on their own", key, e.getMessage());
            return false;
        }
    }

    /** What the core decorator says of a failure too: its type and message, on one line and cut to length. */
    private static String reason(Exception failure) {
        String reason = failure.toString().replaceAll("[\\r\\n\\t]+", " ");
        return reason.length() <= MAX_REASON_LENGTH ? reason : reason.substring(0, MAX_REASON_LENGTH) + "...";
    }

    private void failIfRecentlyFailed(Snapshot snapshot) {
        if (snapshot.failureReason == null) {
            return;
        }
        // the failure may have been this instance's own: the message says "an instance", not "another"
        throw new RedisTokenRefreshException("the last refresh of key '" + key + "' failed on an instance of the "
            + "fleet, and every instance holds off for its failureCooldown; next attempt allowed in "
            + snapshot.failureRemainingMillis + "ms; cause of the last failure: " + snapshot.failureReason, null);
    }

    private void release(RedisAsyncCommands<String, String> redis, String owner) {
        try {
            await(redis.eval(RELEASE_SCRIPT, ScriptOutputType.INTEGER, new String[] {lockKey}, owner, channel),
                System.nanoTime() + waitTimeout.toNanos());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not release the lock of key ''{0}''; it expires after {1}",
                key, lockTimeout);
        }
    }

    private boolean tryLock(RedisAsyncCommands<String, String> redis, String owner, long deadline) {
        return "OK".equals(await(redis.set(lockKey, owner, SetArgs.Builder.nx().px(lockTimeout.toMillis())),
            deadline));
    }

    private Snapshot read(RedisAsyncCommands<String, String> redis, long deadline) {
        List<Object> fields = await(redis.eval(READ_SCRIPT, ScriptOutputType.MULTI, new String[] {key, failureKey}),
            deadline);
        Shared shared = null;
        if (fields.get(0) != null && fields.get(1) != null) {
            shared = new Shared(generation(fields.get(0), key), codec.decode((String) fields.get(1)));
        }
        String record = (String) fields.get(2);
        long remainingMillis = (Long) fields.get(3);
        // a record without expiry was not written by us; one for an older generation was overtaken by a success
        if (record == null || remainingMillis <= 0) {
            return new Snapshot(shared, null, 0);
        }
        int space = record.indexOf(' ');
        long failed = generation(space < 0 ? record : record.substring(0, space), failureKey);
        if (failed != (shared != null ? shared.generation : 0)) {
            return new Snapshot(shared, null, 0);
        }
        return new Snapshot(shared, record.substring(space + 1), remainingMillis);
    }

    private static long generation(Object value, String where) {
        try {
            return Long.parseLong((String) value);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("the generation under key '" + where + "' is not a number; is the key "
                + "used by something else?");
        }
    }

    private boolean takesOver(Shared shared, AccessToken current) {
        return shared != null && usable(shared.token) && !shared.token.equals(current);
    }

    private boolean usable(AccessToken token) {
        Instant expiresAt = token.expiresAt().orElse(null);
        return expiresAt == null || clock.instant().plus(minTimeToLive).isBefore(expiresAt);
    }

    private RedisAsyncCommands<String, String> commands(long deadline) {
        StatefulRedisConnection<String, String> c = connection;
        if (c != null && events != null) {
            return c.async();
        }
        connectLock.lock();
        try {
            if (closed) {
                throw new IllegalStateException(this + " is closed");
            }
            if (events == null) {
                StatefulRedisPubSubConnection<String, String> pubSub =
                    connect(client.connectPubSubAsync(StringCodec.UTF8, redisUri), deadline);
                pubSub.addListener(new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String ignoredChannel, String ignoredMessage) {
                        signal.signalAll();
                    }
                });
                try {
                    await(pubSub.async().subscribe(channel), deadline);
                } catch (RuntimeException e) {
                    pubSub.closeAsync();
                    throw e;
                }
                events = pubSub;
            }
            if (connection == null) {
                connection = connect(client.connectAsync(StringCodec.UTF8, redisUri), deadline);
            }
            return connection.async();
        } finally {
            connectLock.unlock();
        }
    }

    /** A connection that arrives after the deadline is closed, not leaked. */
    private <C extends AutoCloseable> C connect(CompletionStage<C> connecting, long deadline) {
        CompletableFuture<C> future = connecting.toCompletableFuture();
        try {
            return await(future, deadline);
        } catch (RuntimeException e) {
            future.thenAccept(late -> {
                try {
                    late.close();
                } catch (Exception ignored) {
                    // best effort: the connection was never used
                }
            });
            throw e;
        }
    }

    /**
     * Waits for a Redis reply until {@code deadline}. A refusal by Redis itself (wrong type, script error) is a
     * misconfiguration and thrown as is; everything else means Redis is unavailable right now.
     */
    private <T> T await(java.util.concurrent.Future<T> reply, long deadline) {
        try {
            return reply.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            reply.cancel(false);
            Thread.currentThread().interrupt();
            throw new TokenRefreshException("interrupted while talking to Redis at " + endpoint, e);
        } catch (TimeoutException e) {
            reply.cancel(false);
            throw new RedisUnavailable("no reply within waitTimeout=" + waitTimeout, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RedisCommandExecutionException && !isAuthFailure(cause)) {
                throw new RedisTokenRefreshException("Redis at " + endpoint + " refused a command on key '" + key
                    + "': " + cause.getMessage(), cause);
            }
            throw new RedisUnavailable(describe(cause), cause);
        }
    }

    private static boolean isAuthFailure(Throwable cause) {
        String message = String.valueOf(cause.getMessage());
        return message.startsWith("WRONGPASS") || message.startsWith("NOAUTH") || message.startsWith("NOPERM");
    }

    private static String describe(Throwable failure) {
        StringBuilder text = new StringBuilder(failure.getClass().getName()).append(": ").append(failure.getMessage());
        for (Throwable c = failure.getCause(); c != null && c != failure; c = c.getCause()) {
            text.append("; caused by ").append(c.getClass().getName()).append(": ").append(c.getMessage());
        }
        return text.toString();
    }

    private RedisTokenRefreshException gaveUp(RedisUnavailable lastFailure) {
        if (lastFailure != null) {
            return new RedisTokenRefreshException("no token for key '" + key + "': Redis at " + endpoint
                + " was unavailable for waitTimeout=" + waitTimeout + " (" + lastFailure.getMessage()
                + "); the next call tries again. Check that Redis is up and the URI and password are right, or "
                + "enable fallbackToLocalRefresh to refresh without coordination while Redis is down",
                lastFailure.getCause());
        }
        return new RedisTokenRefreshException("no token for key '" + key + "' within waitTimeout=" + waitTimeout
            + ": another instance holds the refresh lock and stored no new token yet; its lock expires at the "
            + "latest lockTimeout=" + lockTimeout + " after it was taken, then the next call takes over", null);
    }

    /** The token stored under {@code key}, with its generation. */
    private static final class Shared {
        final long generation;
        final AccessToken token;

        Shared(long generation, AccessToken token) {
            this.generation = generation;
            this.token = token;
        }
    }

    /**
     * One consistent look at Redis: the shared token, and the reason and remaining cooldown of a failed refresh of
     * exactly that token, if any.
     */
    private static final class Snapshot {
        final Shared shared;
        final String failureReason;
        final long failureRemainingMillis;

        Snapshot(Shared shared, String failureReason, long failureRemainingMillis) {
            this.shared = shared;
            this.failureReason = failureReason;
            this.failureRemainingMillis = failureRemainingMillis;
        }
    }

    /** Redis could not be reached or did not answer in time; caught by the retry loop, never thrown to users. */
    private static final class RedisUnavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RedisUnavailable(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    /**
     * Builds a {@link RedisTokenRefresher}. Every method checks its argument and throws an exception naming it.
     *
     * <pre>{@code
     * RedisTokenRefresher fleet = RedisTokenRefresher.builder(System.getenv("REDIS_URI"), "tokens:orders-api",
     *         tokenEndpoint::fetch)
     *     .lockTimeout(Duration.ofSeconds(5))
     *     .waitTimeout(Duration.ofSeconds(8))
     *     .encryptionKey(new SecretKeySpec(Base64.getDecoder().decode(System.getenv("TOKEN_KEY")), "AES"))
     *     .build();
     * }</pre>
     */
    public static final class Builder {
        private final RedisURI parsedUri;
        private final String key;
        private final TokenRefresher delegate;
        private Duration lockTimeout = DEFAULT_LOCK_TIMEOUT;
        private Duration waitTimeout = DEFAULT_WAIT_TIMEOUT;
        private Duration minTimeToLive = DEFAULT_MIN_TIME_TO_LIVE;
        private Duration failureCooldown = DEFAULT_FAILURE_COOLDOWN;
        private boolean fallbackToLocalRefresh;
        private SecretKey encryptionKey;
        private Clock clock = Clock.systemUTC();

        private Builder(String redisUri, String key, TokenRefresher delegate) {
            this.parsedUri = parse(Objects.requireNonNull(redisUri, "redisUri must not be null"));
            this.key = Objects.requireNonNull(key, "key must not be null");
            if (key.isBlank()) {
                throw new IllegalArgumentException("key must not be blank");
            }
            this.delegate = Objects.requireNonNull(delegate, "delegate must not be null");
        }

        /**
         * How long a refresh lock lives if its holder never releases it: after a holder dies or hangs, another
         * instance takes over this long after the lock was taken. Must exceed the delegate's worst case.
         * Default {@link #DEFAULT_LOCK_TIMEOUT}; at least 1ms.
         */
        public Builder lockTimeout(Duration lockTimeout) {
            this.lockTimeout = requirePositive(lockTimeout, "lockTimeout");
            return this;
        }

        /**
         * How long {@link RedisTokenRefresher#refresh} waits, for Redis or for another instance's refresh, before
         * it throws {@link RedisTokenRefreshException}. Keep it below the decorator's refresh timeout.
         * Default {@link #DEFAULT_WAIT_TIMEOUT}; at least 1ms.
         */
        public Builder waitTimeout(Duration waitTimeout) {
            this.waitTimeout = requirePositive(waitTimeout, "waitTimeout");
            return this;
        }

        /**
         * A shared token that expires within this is refreshed rather than taken, so that it is still valid when
         * the caller uses it. Default {@link #DEFAULT_MIN_TIME_TO_LIVE}; zero or more.
         */
        public Builder minTimeToLive(Duration minTimeToLive) {
            Objects.requireNonNull(minTimeToLive, "minTimeToLive must not be null");
            if (minTimeToLive.isNegative()) {
                throw new IllegalArgumentException("minTimeToLive must not be negative, but was " + minTimeToLive);
            }
            this.minTimeToLive = minTimeToLive;
            return this;
        }

        /**
         * How long the whole fleet holds off after the delegate failed under the lock. The failing instance
         * records the failure beside the token, with the exception's type and message (never a token), and
         * releases the lock; every instance that would replace the same token then fails at once with a
         * {@link RedisTokenRefreshException} instead of calling the delegate in turn, so a failing token endpoint
         * sees one request, not one per instance. After the cooldown, the next instance refreshes normally; a
         * successful refresh clears the record. Zero turns this off: each waiting instance then tries the delegate
         * itself, one after another. Default {@link #DEFAULT_FAILURE_COOLDOWN}; zero, or at least 1ms.
         *
         * <p>Redis times the cooldown, so clocks of the instances need not agree. The instance that failed decides
         * its length; give every instance the same value.
         */
        public Builder failureCooldown(Duration failureCooldown) {
            Objects.requireNonNull(failureCooldown, "failureCooldown must not be null");
            if (failureCooldown.isNegative() || (!failureCooldown.isZero() && failureCooldown.toMillis() < 1)) {
                throw new IllegalArgumentException("failureCooldown must be zero or at least 1ms, but was "
                    + failureCooldown);
            }
            this.failureCooldown = failureCooldown;
            return this;
        }

        /**
         * When Redis is unavailable, call the delegate directly instead of failing after {@code waitTimeout}.
         * Off by default.
         *
         * <p><b>Risk:</b> while Redis is down every instance refreshes on its own, and the token it gets is not
         * shared. With rotating refresh tokens, two instances then present the same refresh token and the
         * authorization server may revoke the whole token family; after Redis comes back, the stored refresh
         * token may already be used. Enable this only for grants without rotating refresh tokens, such as client
         * credentials.
         */
        public Builder fallbackToLocalRefresh(boolean fallbackToLocalRefresh) {
            this.fallbackToLocalRefresh = fallbackToLocalRefresh;
            return this;
        }

        /**
         * Encrypts the stored token, refresh token included, with AES-GCM under this key, with the Redis key as
         * associated data. Every instance of the fleet needs the same key. Off by default: the token is stored in
         * plain text.
         *
         * @param encryptionKey an AES key of 128, 192 or 256 bits, e.g. {@code new SecretKeySpec(bytes, "AES")}
         */
        public Builder encryptionKey(SecretKey encryptionKey) {
            Objects.requireNonNull(encryptionKey, "encryptionKey must not be null");
            byte[] encoded = encryptionKey.getEncoded();
            if (!"AES".equalsIgnoreCase(encryptionKey.getAlgorithm()) || encoded == null
                || (encoded.length != 16 && encoded.length != 24 && encoded.length != 32)) {
                throw new IllegalArgumentException("encryptionKey must be an AES key of 128, 192 or 256 bits, but "
                    + "was a " + encryptionKey.getAlgorithm() + " key of "
                    + (encoded == null ? "unknown" : encoded.length * 8 + " bits"));
            }
            this.encryptionKey = encryptionKey;
            return this;
        }

        /** The clock that decides whether the shared token is still usable. Default {@link Clock#systemUTC()}. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock must not be null");
            return this;
        }

        /**
         * Builds the refresher. It connects to Redis on first use, so an instance can start while Redis is down.
         *
         * @return the refresher; close it on shutdown
         */
        public RedisTokenRefresher build() {
            return new RedisTokenRefresher(this);
        }

        private static Duration requirePositive(Duration duration, String name) {
            Objects.requireNonNull(duration, name + " must not be null");
            if (duration.toMillis() < 1) {
                throw new IllegalArgumentException(name + " must be at least 1ms, but was " + duration);
            }
            return duration;
        }

        /** The messages never quote the URI: it may hold a password. */
        private static RedisURI parse(String redisUri) {
            String expected = "; expected redis://[[user]:password@]host[:port][/database] or rediss://... for TLS";
            URI uri;
            try {
                uri = new URI(redisUri.trim());
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("redisUri is not a valid URI (" + e.getReason() + ")" + expected);
            }
            String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
                throw new IllegalArgumentException("redisUri has scheme '" + scheme + "', which is not supported"
                    + expected);
            }
            if (uri.getHost() == null || uri.getHost().isEmpty()) {
                throw new IllegalArgumentException("redisUri names no host (or its port is not a number)" + expected);
            }
            try {
                return RedisURI.create(uri);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("redisUri was refused by the Redis client ("
                    + e.getClass().getSimpleName() + ")" + expected);
            }
        }
    }
}
