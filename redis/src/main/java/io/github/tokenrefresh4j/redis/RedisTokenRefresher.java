package io.github.tokenrefresh4j.redis;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefresher;
import io.github.tokenrefresh4j.redis.internal.Deadline;
import io.github.tokenrefresh4j.redis.internal.FleetConnection;
import io.github.tokenrefresh4j.redis.internal.FleetKeys;
import io.github.tokenrefresh4j.redis.internal.RedisUnavailableException;
import io.github.tokenrefresh4j.redis.internal.RefreshLock;
import io.github.tokenrefresh4j.redis.internal.SharedTokenCodec;
import io.github.tokenrefresh4j.redis.internal.SharedTokenStore;
import io.github.tokenrefresh4j.redis.internal.SharedTokenStore.InFlight;
import io.github.tokenrefresh4j.redis.internal.SharedTokenStore.Shared;
import io.github.tokenrefresh4j.redis.internal.SharedTokenStore.Snapshot;
import io.github.tokenrefresh4j.redis.internal.WakeUpSignal;
import io.github.tokenrefresh4j.redis.event.InterruptedRefreshEvent;
import io.github.resilience4j.core.EventConsumer;
import io.github.resilience4j.core.EventProcessor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import javax.crypto.SecretKey;

/**
 * A {@link TokenRefresher} that makes one refresh per expiry across every JVM sharing a Redis key, by wrapping the
 * refresher that really calls the token endpoint. The core decorator coalesces calls within one JVM; this class
 * coalesces the decorators of a fleet. It works on a single Redis, on Sentinel ({@code redis-sentinel://} URIs) and
 * on a Redis Cluster (pass your {@link RedisClusterClient}).
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
 *   <li><b>Never go backwards.</b> If Redis holds an older generation than this instance has seen (or nothing), write
 *       the newest token this instance has seen back first (the store keeps the newest), with a WARN. Every
 *       instance also does this without a call, when its connection to Redis comes back and when another
 *       instance's write-back asks for it; and a written-back token is refreshed only once
 *       {@link Builder#writeBackWindow(Duration)} has passed, so that the instances that saw a newer one have put
 *       it back.</li>
 *   <li><b>Take the shared token.</b> If the token stored for the key is usable (unexpired for at least
 *       {@code minTimeToLive}, by Redis's clock) and is not {@code current}, another instance already refreshed:
 *       return it without calling the delegate. A new instance, whose {@code current} is null, starts this way.</li>
 *   <li><b>Hold off after a failure.</b> If the fleet's last attempt to replace this very token failed less than
 *       {@code failureCooldown} ago, throw a {@link RedisTokenRefreshException} at once, naming the key, the
 *       remaining cooldown and the failing instance's reason, without calling the delegate.</li>
 *   <li><b>Refresh under the lock.</b> Otherwise take the fleet's lock. The winner looks again, calls the delegate
 *       with the <em>shared</em> token (so the newest refresh token is presented) while a watchdog keeps the lock,
 *       stores the result (retrying until the deadline), and releases the lock. Before calling the delegate it
 *       marks in Redis which refresh token it presents; if it finds the mark of a holder that stopped while
 *       presenting that same refresh token, it warns that the token may already have been spent, publishes an
 *       {@link io.github.tokenrefresh4j.redis.event.InterruptedRefreshEvent} and follows
 *       {@link Builder#interruptedRefresh(InterruptedRefreshPolicy)}. If the delegate throws, the
 *       failure is recorded for {@code failureCooldown} as the lock is released, and rethrown unchanged.</li>
 *   <li><b>Wait.</b> An instance that lost the race waits for a wake-up published by the holder, or for the lock
 *       to expire, then goes back to step 1.</li>
 *   <li><b>Give up.</b> If no token was had within {@code waitTimeout}, throw a {@link RedisTokenRefreshException}
 *       that says what ran out: Redis refused or was unreachable, a reply or the connect did not come before the
 *       deadline (and whether Redis had answered earlier in the call), or the lock holder stored nothing.</li>
 * </ol>
 * The keys, values and scripts, who writes what and why it is safe, are written down once in the package
 * {@code io.github.tokenrefresh4j.redis.internal}.
 *
 * <h2>Time</h2>
 * One {@code refresh} call has one deadline: {@code waitTimeout} for everything it does with Redis, waiting
 * included, plus the delegate's own time (bounded by the decorator's {@code refreshTimeout}). The lock lives
 * {@code lockTimeout} without renewal; the watchdog renews it while the delegate runs, up to {@code maxLockHold}
 * (default twice {@code lockTimeout}). With the defaults (lock 5s, hold up to 10s, wait 8s) a token endpoint taking
 * up to 10s, the decorator's default {@code refreshTimeout}, is called by one instance only; a dead holder is taken
 * over within 5s, a hung one within 10s. When a token lives less than twice {@code minTimeToLive}, that token is
 * judged with half its lifetime instead, so the fleet keeps sharing short-lived tokens (logged once).
 *
 * <h2>Security</h2>
 * Anyone who can read the key in Redis can read the token, refresh token included. Use {@code rediss://},
 * a password or ACL user in the URI ({@code rediss://user:password@host:6379/0}), and, where the Redis operators
 * should not see tokens, {@link Builder#encryptionKey(SecretKey)}. Token values are never logged, and appear in
 * no message of this class. The failure record is not encrypted: it holds the generation and the delegate's
 * exception type and message, as the core's own failure messages do; keep token values out of your refresher's
 * exception messages.
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
    /** The pause before asking Redis again after it failed, so that an outage is not a busy loop. */
    private static final long RETRY_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** The longest duration any option takes: about 100 years. */
    private static final Duration MAX_DURATION = Duration.ofDays(36_500);
    /** A write-back asked for by a (re)connect is tried this often, RETRY_PAUSE_NANOS apart, until Redis takes it. */
    private static final int WRITE_BACK_ATTEMPTS = 40;
    /** A failure reason is a diagnosis, not a log: long messages are cut. */
    private static final int MAX_REASON_LENGTH = 300;

    private final String description;
    private final FleetKeys keys;
    private final TokenRefresher delegate;
    private final Duration lockTimeout;
    private final Duration maxLockHold;
    private final Duration waitTimeout;
    private final Duration minTimeToLive;
    private final Duration failureCooldown;
    private final Duration writeBackWindow;
    private final boolean fallbackToLocalRefresh;
    private final boolean encrypted;
    private final Clock clock;
    private final WakeUpSignal signal = new WakeUpSignal();
    private final FleetConnection redis;
    private final RefreshLock lock;
    private final SharedTokenStore store;
    /** A token this instance refreshed but could not store; stored first thing when Redis answers again. */
    private final AtomicReference<Shared> unshared = new AtomicReference<>();
    /**
     * The newest token (highest generation) this instance has seen, from its own refreshes and from Redis: what it
     * writes back when Redis shows an older generation, and the floor of what its holder presents.
     */
    private final AtomicReference<Shared> newest = new AtomicReference<>();
    /** The token this instance's holder refreshed and is storing right now: stored by it, never written back. */
    private final AtomicReference<Shared> sharing = new AtomicReference<>();
    private final InterruptedRefreshPolicy interruptedRefresh;
    private final String instance = instanceName();
    private final Events events = new Events();
    private final AtomicBoolean warnedShortLifetime = new AtomicBoolean();
    private volatile boolean closed;

    private RedisTokenRefresher(Builder builder) {
        this.keys = new FleetKeys(builder.key);
        this.delegate = builder.delegate;
        this.lockTimeout = builder.lockTimeout;
        this.maxLockHold = builder.maxLockHold != null ? builder.maxLockHold : defaultMaxLockHold(lockTimeout);
        this.waitTimeout = builder.waitTimeout;
        this.minTimeToLive = builder.minTimeToLive;
        this.failureCooldown = builder.failureCooldown;
        this.writeBackWindow = builder.writeBackWindow != null ? builder.writeBackWindow : lockTimeout;
        this.fallbackToLocalRefresh = builder.fallbackToLocalRefresh;
        this.interruptedRefresh = builder.interruptedRefresh;
        this.clock = builder.clock;
        SharedTokenCodec codec = new SharedTokenCodec(keys.name(), builder.encryptionKey);
        this.encrypted = codec.encrypts();
        if (builder.clusterClient != null) {
            this.redis = FleetConnection.ofClusterClient(builder.clusterClient, keys, signal);
            this.description = "your RedisClusterClient";
        } else if (builder.client != null) {
            this.redis = FleetConnection.ofClient(builder.client, keys, signal);
            this.description = "your RedisClient";
        } else {
            this.redis = FleetConnection.ofUri(builder.parsedUri, endpoint(builder.parsedUri), waitTimeout, keys,
                signal);
            this.description = scheme(builder.parsedUri) + redis.endpoint();
        }
        this.lock = new RefreshLock(redis, keys, lockTimeout, maxLockHold);
        this.store = new SharedTokenStore(redis, keys, codec, clock);
        redis.onWriteBackRequest(() -> writeBackInBackground(WRITE_BACK_ATTEMPTS));
    }

    /** {@code pid@host}, as the runtime names itself, without spaces: who is refreshing, in the in-flight mark. */
    private static String instanceName() {
        String name = java.lang.management.ManagementFactory.getRuntimeMXBean().getName();
        return name.replaceAll("\\s+", "_");
    }

    private static Duration defaultMaxLockHold(Duration lockTimeout) {
        return lockTimeout.compareTo(Duration.ofDays(365)) > 0 ? lockTimeout : lockTimeout.multipliedBy(2);
    }

    private static String scheme(RedisURI uri) {
        if (!uri.getSentinels().isEmpty()) {
            return uri.isSsl() ? "rediss-sentinel://" : "redis-sentinel://";
        }
        return uri.isSsl() ? "rediss://" : "redis://";
    }

    /** {@code host:port}, or the sentinels and the master's name; never the password. */
    private static String endpoint(RedisURI uri) {
        if (uri.getSentinels().isEmpty()) {
            return uri.getHost() + ':' + uri.getPort();
        }
        return uri.getSentinels().stream().map(s -> s.getHost() + ':' + s.getPort())
            .collect(Collectors.joining(",")) + '#' + uri.getSentinelMasterId();
    }

    /**
     * Starts building a refresher that connects through a Redis client of its own, which {@link #close()} shuts
     * down.
     *
     * @param redisUri {@code redis://[[user]:password@]host[:port][/database]}, {@code rediss://...} for TLS, or
     *                 {@code redis-sentinel://[[user]:password@]host[:port][,host2[:port2]][/database]#masterId}
     *                 for Sentinel; query parameters such as {@code ?verifyPeer=NONE} follow Lettuce's
     *                 {@link RedisURI}. For a Redis Cluster, use {@link #builder(RedisClusterClient, String,
     *                 TokenRefresher)}.
     * @param key      the name of the shared credential, e.g. {@code tokens:orders-api}; the Redis keys derived
     *                 from it share the hash tag {@code {tokens:orders-api}}
     * @param delegate the refresher that calls the token endpoint
     * @return a builder
     * @throws IllegalArgumentException naming the parameter, if {@code redisUri} is not a Redis URI or {@code key}
     *                                  is blank; the message never repeats the URI, which may hold a password
     * @throws NullPointerException     naming the parameter that is null
     */
    public static Builder builder(String redisUri, String key, TokenRefresher delegate) {
        return new Builder(Builder.parse(Objects.requireNonNull(redisUri, "redisUri must not be null")), null, null,
            key, delegate);
    }

    /**
     * Starts building a refresher on your {@link RedisClient}, connected to the client's default URI (the one it
     * was created with). The client stays yours: {@link #close()} closes only the two connections this refresher
     * opened. Spring Data Redis users reach theirs with
     * {@code (RedisClient) lettuceConnectionFactory.getNativeClient()}.
     *
     * <pre>{@code
     * RedisTokenRefresher fleet = RedisTokenRefresher.builder(redisClient, "tokens:orders-api", tokenEndpoint::fetch)
     *     .build();
     * }</pre>
     *
     * @throws NullPointerException     naming the parameter that is null
     * @throws IllegalArgumentException if {@code key} is blank
     */
    public static Builder builder(RedisClient client, String key, TokenRefresher delegate) {
        return new Builder(null, Objects.requireNonNull(client, "client must not be null"), null, key, delegate);
    }

    /**
     * Starts building a refresher on your {@link RedisClusterClient}. The keys of one credential share a hash tag,
     * so every script runs on one node; wake-ups use regular pub/sub, which a cluster delivers to every node. The
     * client stays yours: {@link #close()} closes only the two connections this refresher opened. Spring Data
     * Redis users reach theirs with {@code (RedisClusterClient) lettuceConnectionFactory.getNativeClient()}.
     *
     * <pre>{@code
     * RedisClusterClient cluster = RedisClusterClient.create("redis://node-1:6379");
     * RedisTokenRefresher fleet = RedisTokenRefresher.builder(cluster, "tokens:orders-api", tokenEndpoint::fetch)
     *     .build();
     * }</pre>
     *
     * @throws NullPointerException     naming the parameter that is null
     * @throws IllegalArgumentException if {@code key} is blank
     */
    public static Builder builder(RedisClusterClient client, String key, TokenRefresher delegate) {
        return new Builder(null, null, Objects.requireNonNull(client, "client must not be null"), key, delegate);
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
        Deadline deadline = Deadline.in(waitTimeout.toNanos());
        RedisUnavailableException lastFailure = null;
        // what the call's time went to, so that a timeout names what timed out
        CallTime time = new CallTime();
        for (;;) {
            long seen = signal.count();
            // close() wakes the waiters: a closed refresher answers at once, not after waitTimeout blaming Redis
            if (closed) {
                throw new IllegalStateException(this + " is closed");
            }
            long pauseNanos;
            try {
                time.heldOffForGeneration = -1;
                storeUnshared(deadline);
                Snapshot snapshot = restoreIfBehind(store.read(deadline), deadline);
                time.redisAnswered++;
                lastFailure = null;
                if (takesOver(snapshot.shared(), current)) {
                    return snapshot.shared().token();
                }
                failIfRecentlyFailed(snapshot);
                long holdOffMillis = writeBackHoldOffMillis(snapshot, time);
                String owner = UUID.randomUUID().toString();
                long takenAt = System.nanoTime();
                if (holdOffMillis > 0) {
                    // an instance that saw a newer generation may still be reconnecting to write it back
                    pauseNanos = TimeUnit.MILLISECONDS.toNanos(holdOffMillis);
                } else if (lock.tryAcquire(owner, deadline)) {
                    AccessToken token = refreshUnderLock(owner, takenAt, current, deadline, time);
                    if (token != null) {
                        return token;
                    }
                    pauseNanos = TimeUnit.MILLISECONDS.toNanos(time.holdOffMillis);
                } else {
                    long lockMillis = lock.remainingMillis(deadline);
                    // -2: released meanwhile, try again at once; -1: a lock without expiry, not ours to break
                    pauseNanos = lockMillis == -2 ? 0 : lockMillis == -1
                        ? RETRY_PAUSE_NANOS : TimeUnit.MILLISECONDS.toNanos(lockMillis);
                }
            } catch (RedisUnavailableException e) {
                if (fallbackToLocalRefresh) {
                    LOG.log(System.Logger.Level.WARNING, "Redis at {0} unavailable for key ''{1}'' ({2}); "
                        + "refreshing locally, without fleet coordination", redis.endpoint(), keys.name(),
                        e.getMessage());
                    return refreshLocally(current);
                }
                // a closed connection or a reply cut off by the deadline says less than a refusal (WRONGPASS, say)
                lastFailure = RedisUnavailableException.moreTelling(lastFailure, e);
                pauseNanos = RETRY_PAUSE_NANOS;
            }
            if (deadline.passed()) {
                throw gaveUp(lastFailure, time);
            }
            long waitStart = System.nanoTime();
            try {
                signal.awaitChange(seen, Math.min(pauseNanos, deadline.remainingNanos()));
                time.waitingNanos += System.nanoTime() - waitStart;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TokenRefreshException("interrupted while waiting for the fleet's token under key '"
                    + keys.name() + "'", e);
            }
            // a round started with almost no time left would time out and blame Redis for the lock holder
            if (deadline.passed()) {
                throw gaveUp(lastFailure, time);
            }
        }
    }

    /**
     * Closes the Redis connections this refresher opened, and its client if it built one; calls waiting for another
     * instance end at once with an {@link IllegalStateException}. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        signal.signalAll();
        redis.close();
    }

    /** Names the Redis endpoint (or whose client) and key; never the password. */
    @Override
    public String toString() {
        return "RedisTokenRefresher{redis=" + description + ", key='" + keys.name() + "', lockTimeout=" + lockTimeout
            + ", maxLockHold=" + maxLockHold + ", waitTimeout=" + waitTimeout + ", failureCooldown="
            + failureCooldown + ", writeBackWindow=" + writeBackWindow + ", encrypted=" + encrypted
            + ", fallbackToLocalRefresh=" + fallbackToLocalRefresh
            + ", interruptedRefresh=" + interruptedRefresh + '}';
    }

    /** @return the new token, or null if the holder must hold off for a write-back ({@code time.holdOffMillis}) */
    private AccessToken refreshUnderLock(String owner, long takenAt, AccessToken current, Deadline deadline,
                                         CallTime time) throws Exception {
        RefreshLock.Watchdog watchdog = null;
        boolean released = false;
        try {
            watchdog = lock.watch(owner, takenAt);
            Snapshot snapshot = restoreIfBehind(store.read(deadline), deadline);
            Shared shared = snapshot.shared();
            if (takesOver(shared, current)) {
                return shared.token();
            }
            // the holder before us may have failed after we last looked, and released the lock to us
            failIfRecentlyFailed(snapshot);
            // or Redis lost its data after we last looked, and an instance wrote back what it had seen
            if (writeBackHoldOffMillis(snapshot, time) > 0) {
                return null;
            }
            // never older than what this instance has seen, even if Redis went back and the write-back failed
            Shared base = newer(shared, newest.get());
            long replaced = base != null ? base.generation() : 0;
            AccessToken presented = base != null ? base.token() : current;
            TokenRefresher refresher = onInterruptedRefresh(snapshot.inFlight(), replaced, presented, owner,
                deadline);
            if (!store.markInFlight(owner, new InFlight(replaced, InFlight.digest(presented), instance, 0),
                inFlightTimeToLive(), deadline)) {
                throw new RedisUnavailableException("the refresh lock was lost before the token endpoint was called",
                    null);
            }
            AccessToken fresh;
            long delegateStart = System.nanoTime();
            try {
                fresh = refresher.refresh(refresher == delegate ? presented : null);
                if (fresh == null) {
                    throw new IllegalStateException("the delegate of " + this + " returned null instead of a token");
                }
            } catch (Exception e) {
                deadline.extendBy(System.nanoTime() - delegateStart);
                // an interrupted caller gave up; that says nothing about the token endpoint, and its request may
                // have reached it: the in-flight mark stays, and the next holder says so
                // a failed fallback presented no refresh token: the mark stays, or the next holder would present
                // the one the stopped holder may have spent, without a word
                if (!(e instanceof InterruptedException) && !Thread.currentThread().isInterrupted()) {
                    released = recordFailure(owner, replaced, e, refresher == delegate, deadline);
                }
                throw e;
            }
            deadline.extendBy(System.nanoTime() - delegateStart);
            Shared refreshed = new Shared(replaced + 1, fresh, -1);
            sharing.set(refreshed);
            try {
                // spent or not, the presented refresh token is behind this one now: never go back to it
                remember(refreshed);
                warnIfShorterThanMinTimeToLive(fresh);
                return share(refreshed, deadline);
            } finally {
                sharing.compareAndSet(refreshed, null);
            }
        } finally {
            if (watchdog != null) {
                watchdog.stop();
            }
            if (!released) {
                lock.release(owner, deadline);
            }
        }
    }

    /**
     * Without Redis: presents the newest refresh token this instance has seen, not an older one the caller still
     * holds, and remembers the result as the next generation, kept to be stored once Redis answers, so that the
     * refresh token just spent is never presented again from this instance (nor written back).
     */
    private AccessToken refreshLocally(AccessToken current) throws Exception {
        Shared mine = newest.get();
        AccessToken fresh = delegate.refresh(mine != null ? mine.token() : current);
        if (fresh == null) {
            throw new IllegalStateException("the delegate of " + this + " returned null instead of a token");
        }
        Shared local = new Shared((mine != null ? mine.generation() : 0) + 1, fresh, -1);
        remember(local);
        unshared.set(local);
        return fresh;
    }

    /**
     * Never go backwards: if Redis holds an older generation than this instance has seen (a restart from an older
     * snapshot, a failover that lost writes, a FLUSHALL, a replica promoted behind), write the newer token back
     * before anyone refreshes from the old one. STORE keeps the newest, so instances writing back at once agree.
     *
     * @return the snapshot to act on: the one read, or a new one after the write-back
     */
    private Snapshot restoreIfBehind(Snapshot snapshot, Deadline deadline) {
        Shared mine = newest.get();
        Shared there = snapshot.shared();
        if (mine == null || (there != null && there.generation() >= mine.generation())) {
            remember(there);
            return snapshot;
        }
        LOG.log(System.Logger.Level.WARNING, "Redis at {0} holds {1} for key ''{2}'', older than generation {3} "
            + "that this instance has seen (Redis restarted from an older snapshot, a failover lost writes, a "
            + "FLUSHALL, or a replica was promoted behind); writing generation {3} back so that no instance presents "
            + "a spent refresh token, and refreshing from it only after writeBackWindow={4}, while instances that "
            + "saw a newer one write theirs back", redis.endpoint(), there == null ? "no token" : "generation "
            + there.generation(), keys.name(), Long.toString(mine.generation()), writeBackWindow);
        if (mine == unshared.get()) {
            // this instance's own refresh, never stored: its result, so its mark and any failure record go
            store.store(mine.generation(), mine.token(), deadline);
        } else {
            store.writeBack(mine.generation(), mine.token(), deadline);
        }
        unshared.compareAndSet(mine, null);
        Snapshot after = store.read(deadline);
        remember(after.shared());
        return after;
    }

    /**
     * The write-back window: a shared token that was written back (Redis had lost newer generations) is refreshed
     * only once {@code writeBackWindow} has passed since the write-back, by Redis's clock, so that every instance
     * that saw a newer generation has reconnected and written it back first. A usable token is taken at once (the
     * caller returned before this), so only a refresh waits.
     *
     * @return how long to hold off before refreshing the shared token, or 0
     */
    private long writeBackHoldOffMillis(Snapshot snapshot, CallTime time) {
        long ago = snapshot.restoredAgoMillis();
        if (ago < 0 || ago >= writeBackWindow.toMillis()) {
            return 0;
        }
        time.holdOffMillis = writeBackWindow.toMillis() - ago;
        time.heldOffForGeneration = snapshot.shared().generation();
        return time.holdOffMillis;
    }

    /**
     * Never go backwards without waiting for a call: after a (re)connect, or when another instance wrote back a
     * token Redis had lost, write back the newest token this instance has seen; STORE keeps it only if it is newer.
     * Never blocks: one attempt, retried on the scheduler while the connection is not ready yet.
     */
    private void writeBackInBackground(int attemptsLeft) {
        Shared mine = newest.get();
        // a token this instance refreshed is stored as a refresh (which clears the mark and the failure record), by
        // its holder while it stores it, or here if that failed: a write-back would keep both and stamp it restored
        if (mine == null || closed || mine == sharing.get()) {
            return;
        }
        boolean own = mine == unshared.get();
        store.storeInBackground(mine.generation(), mine.token(), own).whenComplete((wrote, failure) -> {
            if (failure == null) {
                if (own) {
                    unshared.compareAndSet(mine, null);
                } else if (wrote) {
                    LOG.log(System.Logger.Level.WARNING, "Redis at {0} held no token or an older one for key "
                        + "''{1}'' (it restarted, failed over or was rolled back); this instance wrote back "
                        + "generation {2}, the newest it has seen, so that no instance presents a spent refresh token",
                        redis.endpoint(), keys.name(), Long.toString(mine.generation()));
                }
            } else if (attemptsLeft > 1 && !closed) {
                try {
                    redis.scheduler().schedule(() -> writeBackInBackground(attemptsLeft - 1), RETRY_PAUSE_NANOS,
                        TimeUnit.NANOSECONDS);
                } catch (RuntimeException shuttingDown) {
                    // the client is shutting down: nothing left to write back with
                }
            } else {
                LOG.log(System.Logger.Level.DEBUG, "could not write back generation {0} of key ''{1}'' ({2}); the "
                    + "next call of this instance does", Long.toString(mine.generation()), keys.name(),
                    failure.toString());
            }
        });
    }

    private void remember(Shared seen) {
        if (seen != null) {
            newest.accumulateAndGet(seen, RedisTokenRefresher::newer);
        }
    }

    /** The one of higher generation; the first if equal, and the other one if either is null. */
    private static Shared newer(Shared a, Shared b) {
        if (a == null) {
            return b;
        }
        return b == null || a.generation() >= b.generation() ? a : b;
    }

    /** The mark outlives every lock: the holder that takes over after a dead one must still see it. */
    private Duration inFlightTimeToLive() {
        Duration atLeast = Duration.ofDays(1);
        Duration hold = maxLockHold.multipliedBy(2);
        return hold.compareTo(atLeast) > 0 ? hold : atLeast;
    }

    /**
     * A takeover says what it is doing: if the previous holder marked that it was presenting the very refresh token
     * this holder is about to present, and never stored or reported a result, it stopped during its refresh, and
     * the token endpoint may have spent that refresh token already.
     *
     * @return the refresher to call: the delegate (with the same refresh token), or the fallback
     * @throws RedisTokenRefreshException with {@link InterruptedRefreshPolicy#refuse()}
     */
    private TokenRefresher onInterruptedRefresh(InFlight mark, long generation, AccessToken presented, String owner,
                                                Deadline deadline) {
        if (mark == null || mark.generation() != generation
            || !mark.refreshTokenDigest().equals(InFlight.digest(presented))) {
            return delegate;
        }
        InterruptedRefreshPolicy.Action action = interruptedRefresh.action();
        String what = switch (action) {
            case PRESENT_SAME_REFRESH_TOKEN -> "presenting the same refresh token; servers with a reuse grace period "
                + "answer normally, servers without one will refuse it and may revoke the grant";
            case REFUSE -> "refusing to present it (interruptedRefresh=refuse): the fleet fails its refreshes until "
                + "a new token is stored under the key";
            case FALLBACK -> "asking the fallback refresher instead (interruptedRefresh=fallback)";
        };
        LOG.log(System.Logger.Level.WARNING, "taking over the refresh of key ''{0}'' (generation {1}) that instance "
            + "{2} started {3}ms ago and stopped during (killed, crashed or cut off from Redis before storing the "
            + "result): the refresh token may already have been spent by the instance that stopped during its "
            + "refresh; {4}", keys.name(), Long.toString(generation), mark.instance(), Long.toString(mark.ageMillis()),
            what);
        if (events.hasConsumers()) {
            events.publish(new InterruptedRefreshEvent(keys.name(), mark.instance(),
                Duration.ofMillis(mark.ageMillis()), generation, action, ZonedDateTime.now(clock)));
        }
        if (action == InterruptedRefreshPolicy.Action.REFUSE) {
            RedisTokenRefreshException refused = new RedisTokenRefreshException("not refreshing key '" + keys.name()
                + "': instance " + mark.instance() + " stopped during its refresh of generation " + generation
                + " " + mark.ageMillis() + "ms ago, and its refresh token may already have been spent; "
                + "interruptedRefresh=refuse. To recover, delete the key and its in-flight mark ('" + keys.inFlight()
                + "') and restart the instances: a running instance writes back the newest token it has seen", null);
            // the mark stays: every holder refuses in turn, one per failureCooldown
            recordFailure(owner, generation, refused, false, deadline);
            throw refused;
        }
        return action == InterruptedRefreshPolicy.Action.FALLBACK ? interruptedRefresh.fallback().orElseThrow()
            : delegate;
    }

    /**
     * The events of this refresher, as Resilience4j's: register consumers with {@code onInterruptedRefresh}.
     *
     * @return the event publisher
     */
    public EventPublisher getEventPublisher() {
        return events;
    }

    /**
     * Consumers of a {@link RedisTokenRefresher}'s events. A consumer that throws is logged and skipped.
     *
     * <pre>{@code
     * fleet.getEventPublisher().onInterruptedRefresh(event -> LOG.warn("{}", event));
     * }</pre>
     */
    public interface EventPublisher extends io.github.resilience4j.core.EventPublisher<InterruptedRefreshEvent> {

        /**
         * @param consumer called when this instance takes over a refresh another instance stopped during
         * @return this publisher
         */
        EventPublisher onInterruptedRefresh(EventConsumer<InterruptedRefreshEvent> consumer);
    }

    private static final class Events extends EventProcessor<InterruptedRefreshEvent> implements EventPublisher {

        @Override
        public EventPublisher onInterruptedRefresh(EventConsumer<InterruptedRefreshEvent> consumer) {
            registerConsumer(InterruptedRefreshEvent.class.getName(), consumer);
            return this;
        }

        void publish(InterruptedRefreshEvent event) {
            try {
                processEvent(event);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "an InterruptedRefreshEvent consumer threw; " + event
                    + " was not fully delivered", e);
            }
        }
    }

    /**
     * Stores a token the delegate just returned, retrying through disconnects and interrupts until the deadline,
     * while the watchdog keeps the lock. If Redis never confirms, or refuses, the token is kept here, returned, and
     * stored on this instance's next call.
     */
    private AccessToken share(Shared fresh, Deadline deadline) {
        boolean interrupted = Thread.interrupted();
        try {
            for (;;) {
                try {
                    if (store.store(fresh.generation(), fresh.token(), deadline)) {
                        return fresh.token();
                    }
                    // Fenced off: another instance took over after our lock expired and stored a newer token.
                    LOG.log(System.Logger.Level.WARNING, "the refresh of key ''{0}'' outlived its lock "
                        + "(lockTimeout={1}, maxLockHold={2}) and another instance stored a newer token; the "
                        + "delegate is slower than maxLockHold allows", keys.name(), lockTimeout, maxLockHold);
                    Shared newer = store.readUninterruptibly(deadline).shared();
                    return newer != null && usable(newer) ? newer.token() : fresh.token();
                } catch (RedisUnavailableException e) {
                    if (deadline.passed()) {
                        return keep(fresh, "within waitTimeout=" + waitTimeout, e);
                    }
                    if (closed) {
                        return keep(fresh, "as the refresher was closed while the delegate ran", e);
                    }
                    interrupted |= pause(Math.min(RETRY_PAUSE_NANOS, deadline.remainingNanos()));
                } catch (RedisTokenRefreshException e) {
                    // refused (a full Redis says OOM): the refresh token is used up all the same, so never drop it
                    return keep(fresh, "as Redis refused it", e);
                } catch (RuntimeException e) {
                    // closed while the delegate ran, the client's threads are gone: still never drop the token
                    return keep(fresh, closed ? "as the refresher was closed while the delegate ran"
                        : "as storing it failed", e);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private AccessToken keep(Shared fresh, String why, RuntimeException failure) {
        unshared.set(fresh);
        LOG.log(System.Logger.Level.WARNING, "refreshed key ''{0}'' but Redis at {1} did not store the new token {2} "
            + "({3}); this instance keeps it and stores it on its next call, other instances may present the "
            + "replaced refresh token meanwhile", keys.name(), redis.endpoint(), why, failure.getMessage());
        return fresh.token();
    }

    /** @return whether the pause was interrupted (the flag is then cleared; the caller restores it) */
    private static boolean pause(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }

    /** A token kept after a failed store goes to Redis before anything else; the generation fences it as usual. */
    private void storeUnshared(Deadline deadline) {
        Shared pending = unshared.get();
        if (pending != null) {
            store.store(pending.generation(), pending.token(), deadline);
            unshared.compareAndSet(pending, null);
        }
    }

    private boolean recordFailure(String owner, long replaced, Exception failure, boolean clearMark,
                                  Deadline deadline) {
        try {
            return store.recordFailure(owner, replaced, reason(failure), failureCooldown, clearMark, deadline);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not record the failed refresh of key ''{0}'' ({1}); other "
                + "instances will try on their own", keys.name(), e.getMessage());
            return false;
        }
    }

    /** What the core decorator says of a failure too: its type and message, on one line and cut to length. */
    private static String reason(Exception failure) {
        String reason = failure.toString().replaceAll("[\\r\\n\\t]+", " ");
        return reason.length() <= MAX_REASON_LENGTH ? reason : reason.substring(0, MAX_REASON_LENGTH) + "...";
    }

    private void failIfRecentlyFailed(Snapshot snapshot) {
        if (snapshot.failureReason() == null) {
            return;
        }
        // the failure may have been this instance's own: the message says "an instance", not "another"
        throw new RedisTokenRefreshException("the last refresh of key '" + keys.name() + "' failed on an instance "
            + "of the fleet, and every instance holds off for its failureCooldown; next attempt allowed in "
            + snapshot.failureRemainingMillis() + "ms; cause of the last failure: " + snapshot.failureReason(), null);
    }

    /** Where one call's time went: waiting for another instance, and how often Redis answered. */
    private static final class CallTime {
        long waitingNanos;
        int redisAnswered;
        /** Set while a written-back token may not be refreshed yet: how long still, and its generation. */
        long holdOffMillis;
        long heldOffForGeneration = -1;
    }

    private RedisTokenRefreshException gaveUp(RedisUnavailableException lastFailure, CallTime time) {
        String unsharedNote = unshared.get() == null ? "" : ". This instance holds a token it refreshed but could "
            + "not store in Redis; it stores it on its next call once Redis answers";
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(time.waitingNanos);
        if (lastFailure != null && lastFailure.getCause() instanceof TimeoutException && time.redisAnswered > 0) {
            // Redis answered in this call: the deadline ran out, it did not refuse; say what took the time
            return new RedisTokenRefreshException("no token for key '" + keys.name() + "' within waitTimeout="
                + waitTimeout + ": the call's deadline passed while " + lastFailure.getMessage() + "; Redis at "
                + redis.endpoint() + " had answered " + time.redisAnswered + " time(s) earlier in this call, and "
                + waitedMillis + "ms of the call went to waiting for another instance's refresh. A host or JVM "
                + "starved of CPU delays replies as much as a slow Redis; the next call tries again" + unsharedNote,
                lastFailure.getCause());
        }
        if (lastFailure != null && lastFailure.getCause() instanceof TimeoutException) {
            return new RedisTokenRefreshException("no token for key '" + keys.name() + "': the call's deadline "
                + "(waitTimeout=" + waitTimeout + ") passed while " + lastFailure.getMessage() + ", and Redis had "
                + "not answered in this call; check that Redis at " + redis.endpoint() + " is up and reachable, "
                + "and that this host is not starved of CPU; the next call tries again" + unsharedNote,
                lastFailure.getCause());
        }
        if (lastFailure != null) {
            return new RedisTokenRefreshException("no token for key '" + keys.name() + "': Redis at "
                + redis.endpoint() + " was unavailable for waitTimeout=" + waitTimeout + " ("
                + lastFailure.getMessage() + "); the next call tries again. Check that Redis is up and the URI and "
                + "password are right, or enable fallbackToLocalRefresh to refresh without coordination while "
                + "Redis is down" + unsharedNote, lastFailure.getCause());
        }
        if (time.heldOffForGeneration >= 0) {
            return new RedisTokenRefreshException("no token for key '" + keys.name() + "' within waitTimeout="
                + waitTimeout + ": Redis at " + redis.endpoint() + " had lost newer tokens (it restarted empty, failed "
                + "over or was rolled back) and generation " + time.heldOffForGeneration + " was written back; the "
                + "fleet refreshes from it only after writeBackWindow=" + writeBackWindow + ", so that instances that "
                + "saw a newer generation write theirs back first. The next call tries again" + unsharedNote, null);
        }
        return new RedisTokenRefreshException("no token for key '" + keys.name() + "' within waitTimeout="
            + waitTimeout + ": another instance holds the refresh lock and stored no new token yet; its lock "
            + "expires within lockTimeout=" + lockTimeout + " if the holder died, and at the latest maxLockHold="
            + maxLockHold + " after it was taken, then the next call takes over (" + waitedMillis + "ms of this call "
            + "went to waiting for it)" + unsharedNote, null);
    }

    /** The shared token replaces {@code current} if it is usable and is another grant (not the same token). */
    private boolean takesOver(Shared shared, AccessToken current) {
        return shared != null && usable(shared) && !sameGrant(shared.token(), current);
    }

    /** Expiries are rebased onto each host's clock, so tokens are told apart by value and refresh token. */
    private static boolean sameGrant(AccessToken a, AccessToken b) {
        return b != null && a.value().equals(b.value()) && a.refreshToken().equals(b.refreshToken());
    }

    private boolean usable(Shared shared) {
        Instant expiresAt = shared.token().expiresAt().orElse(null);
        return expiresAt == null || clock.instant().plus(minTimeToLive(shared.lifetimeMillis())).isBefore(expiresAt);
    }

    /**
     * {@code minTimeToLive}, or half the token's lifetime if that is shorter: otherwise a token living less than
     * {@code minTimeToLive} would be unusable the moment it is stored, and every instance would refresh in turn.
     */
    private Duration minTimeToLive(long lifetimeMillis) {
        Duration half = Duration.ofMillis(lifetimeMillis / 2);
        return lifetimeMillis < 0 || minTimeToLive.compareTo(half) <= 0 ? minTimeToLive : half;
    }

    private void warnIfShorterThanMinTimeToLive(AccessToken fresh) {
        Instant expiresAt = fresh.expiresAt().orElse(null);
        if (expiresAt == null) {
            return;
        }
        Duration lifetime = Duration.between(clock.instant(), expiresAt);
        if (minTimeToLive.multipliedBy(2).compareTo(lifetime) > 0 && warnedShortLifetime.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, "tokens of key ''{0}'' live {1}, less than twice minTimeToLive={2};"
                + " the fleet takes such a token while it has more than half its lifetime left, so that it is still "
                + "shared. Lower minTimeToLive to silence this", keys.name(), lifetime, minTimeToLive);
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
        private final RedisClient client;
        private final RedisClusterClient clusterClient;
        private final String key;
        private final TokenRefresher delegate;
        private Duration lockTimeout = DEFAULT_LOCK_TIMEOUT;
        private Duration maxLockHold;
        private Duration waitTimeout = DEFAULT_WAIT_TIMEOUT;
        private Duration minTimeToLive = DEFAULT_MIN_TIME_TO_LIVE;
        private Duration failureCooldown = DEFAULT_FAILURE_COOLDOWN;
        private Duration writeBackWindow;
        private boolean fallbackToLocalRefresh;
        private InterruptedRefreshPolicy interruptedRefresh = InterruptedRefreshPolicy.presentSameRefreshToken();
        private SecretKey encryptionKey;
        private Clock clock = Clock.systemUTC();

        private Builder(RedisURI parsedUri, RedisClient client, RedisClusterClient clusterClient, String key,
                        TokenRefresher delegate) {
            this.parsedUri = parsedUri;
            this.client = client;
            this.clusterClient = clusterClient;
            this.key = Objects.requireNonNull(key, "key must not be null");
            if (key.isBlank()) {
                throw new IllegalArgumentException("key must not be blank");
            }
            this.delegate = Objects.requireNonNull(delegate, "delegate must not be null");
        }

        /**
         * How long the refresh lock lives without renewal: a holder that dies is taken over within this. While the
         * holder's delegate runs, a watchdog renews the lock, up to {@link #maxLockHold(Duration)}.
         * Default {@link #DEFAULT_LOCK_TIMEOUT}; at least 1ms, at most 36500 days.
         */
        public Builder lockTimeout(Duration lockTimeout) {
            this.lockTimeout = requirePositive(lockTimeout, "lockTimeout");
            return this;
        }

        /**
         * How long a live holder may keep the lock, from when it took it, through the watchdog's renewals: a hung
         * holder is taken over after this. Must cover the delegate's worst case, which the decorator's
         * {@code refreshTimeout} (default 10s) bounds for the caller; a holder slower than this lets a second
         * instance present the same refresh token. Default twice {@link #lockTimeout(Duration)}; never less than
         * it ({@link #build()} checks); at most 36500 days.
         */
        public Builder maxLockHold(Duration maxLockHold) {
            this.maxLockHold = requirePositive(maxLockHold, "maxLockHold");
            return this;
        }

        /**
         * The one deadline of a {@link RedisTokenRefresher#refresh} call: everything it does with Redis, waiting
         * for another instance's refresh and retrying a store included, shares it; the delegate's own time is added.
         * Then it throws {@link RedisTokenRefreshException}. Keep it below the decorator's refresh timeout.
         * Default {@link #DEFAULT_WAIT_TIMEOUT}; at least 1ms, at most 36500 days.
         */
        public Builder waitTimeout(Duration waitTimeout) {
            this.waitTimeout = requirePositive(waitTimeout, "waitTimeout");
            return this;
        }

        /**
         * A shared token that expires within this is refreshed rather than taken, so that it is still valid when
         * the caller uses it. Default {@link #DEFAULT_MIN_TIME_TO_LIVE}; zero, up to 36500 days.
         */
        public Builder minTimeToLive(Duration minTimeToLive) {
            Objects.requireNonNull(minTimeToLive, "minTimeToLive must not be null");
            if (minTimeToLive.isNegative()) {
                throw new IllegalArgumentException("minTimeToLive must not be negative, but was " + minTimeToLive);
            }
            this.minTimeToLive = requireAtMostMax(minTimeToLive, "minTimeToLive");
            return this;
        }

        /**
         * How long the whole fleet holds off after the delegate failed under the lock. The failing instance
         * records the failure beside the token, with the exception's type and message (never a token), and
         * releases the lock; every instance that would replace the same token then fails at once with a
         * {@link RedisTokenRefreshException} instead of calling the delegate in turn, so a failing token endpoint
         * sees one request, not one per instance. After the cooldown, the next instance refreshes normally; a
         * successful refresh clears the record. Zero turns this off: each waiting instance then tries the delegate
         * itself, one after another. Default {@link #DEFAULT_FAILURE_COOLDOWN}; zero, or 1ms to 36500 days.
         *
         * <p>Redis times the cooldown, so clocks of the instances need not agree. The instance that failed decides
         * its length; give every instance the same value.
         */
        public Builder failureCooldown(Duration failureCooldown) {
            this.failureCooldown = requireZeroOrPositive(failureCooldown, "failureCooldown");
            return this;
        }

        /**
         * How long the fleet waits, after an instance wrote back a token that Redis had lost (Redis restarted empty
         * or from an older snapshot, a failover lost writes, a FLUSHALL), before refreshing from that token. Every
         * instance writes back the newest token it has seen as soon as its connection to Redis comes back, and when
         * another instance's write-back asks it to; the window gives an instance that saw a newer generation than
         * the one written back the time to do so, instead of the fleet presenting a refresh token that was already
         * spent. Calls that need a new token wait meanwhile (a usable written-back token is taken at once).
         *
         * <p>Cover the reconnect delay of the instances: a refresher built from a URI reconnects backing off to at
         * most 1s; a client of yours follows its own {@code ClientResources.reconnectDelay} (Lettuce's default
         * backs off to 30s). Keep it below {@code waitTimeout}, or calls in the window give up and try again. Zero
         * turns the wait off. Default: {@link #lockTimeout(Duration)}, the time the fleet already waits for a dead
         * holder; zero, or 1ms to 36500 days.
         */
        public Builder writeBackWindow(Duration writeBackWindow) {
            this.writeBackWindow = requireZeroOrPositive(writeBackWindow, "writeBackWindow");
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
         * What an instance does when it takes over a refresh that another instance started and stopped during
         * (killed, crashed, cut off from Redis) before storing the result, so that the shared refresh token may
         * already be spent. Every case logs a WARN and publishes an
         * {@link io.github.tokenrefresh4j.redis.event.InterruptedRefreshEvent}; {@link InterruptedRefreshPolicy}
         * says which choice fits which server. Default {@link InterruptedRefreshPolicy#presentSameRefreshToken()}.
         */
        public Builder interruptedRefresh(InterruptedRefreshPolicy interruptedRefresh) {
            this.interruptedRefresh = Objects.requireNonNull(interruptedRefresh,
                "interruptedRefresh must not be null");
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

        /**
         * This host's clock: it reads how long a token has left when it is stored, and counts down how long the
         * shared token has left by Redis's clock once read. Hosts whose clocks disagree still agree on when the
         * shared token expires, as long as each token's expiry was computed with the same host's clock (as a
         * token endpoint's {@code expires_in} is). Default {@link Clock#systemUTC()}.
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock must not be null");
            return this;
        }

        /**
         * Builds the refresher. It connects to Redis on first use, so an instance can start while Redis is down.
         *
         * @return the refresher; close it on shutdown
         * @throws IllegalStateException if {@code maxLockHold} is less than {@code lockTimeout}
         */
        public RedisTokenRefresher build() {
            if (maxLockHold != null && maxLockHold.compareTo(lockTimeout) < 0) {
                throw new IllegalStateException("maxLockHold=" + maxLockHold + " is less than lockTimeout="
                    + lockTimeout + "; the watchdog can only extend the lock. Raise maxLockHold, or leave it unset "
                    + "(twice lockTimeout)");
            }
            return new RedisTokenRefresher(this);
        }

        private static Duration requirePositive(Duration duration, String name) {
            Objects.requireNonNull(duration, name + " must not be null");
            if (duration.isNegative() || duration.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException(name + " must be at least 1ms, but was " + duration);
            }
            return requireAtMostMax(duration, name);
        }

        private static Duration requireZeroOrPositive(Duration duration, String name) {
            Objects.requireNonNull(duration, name + " must not be null");
            if (duration.isNegative() || (!duration.isZero() && duration.compareTo(Duration.ofMillis(1)) < 0)) {
                throw new IllegalArgumentException(name + " must be zero or at least 1ms, but was " + duration);
            }
            return requireAtMostMax(duration, name);
        }

        /** Redis expiries, nanosecond deadlines and Instant arithmetic all hold this much; "forever" is not needed. */
        private static Duration requireAtMostMax(Duration duration, String name) {
            if (duration.compareTo(MAX_DURATION) > 0) {
                throw new IllegalArgumentException(name + " must be at most " + MAX_DURATION.toDays() + " days, but "
                    + "was " + duration);
            }
            return duration;
        }

        /** The messages never quote the URI: it may hold a password. */
        private static RedisURI parse(String redisUri) {
            String expected = "; expected redis://[[user]:password@]host[:port][/database], rediss://... for TLS, or "
                + "redis-sentinel://[[user]:password@]host[:port][,host2[:port2]][/database]#masterId";
            URI uri;
            try {
                uri = new URI(redisUri.trim());
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("redisUri is not a valid URI (" + e.getReason() + ")" + expected);
            }
            String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
            boolean sentinel = "redis-sentinel".equals(scheme) || "rediss-sentinel".equals(scheme);
            if (!"redis".equals(scheme) && !"rediss".equals(scheme) && !sentinel) {
                throw new IllegalArgumentException("redisUri has scheme '" + scheme + "', which is not supported"
                    + expected);
            }
            if (sentinel) {
                return parseSentinel(redisUri.trim(), expected);
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

        /** Several sentinels make the authority no server-based URI, so Lettuce alone parses these. */
        private static RedisURI parseSentinel(String redisUri, String expected) {
            RedisURI parsed;
            try {
                parsed = RedisURI.create(redisUri);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("redisUri was refused by the Redis client ("
                    + e.getClass().getSimpleName() + ")" + expected);
            }
            if (parsed.getSentinels().isEmpty()) {
                throw new IllegalArgumentException("redisUri names no sentinel" + expected);
            }
            if (parsed.getSentinelMasterId() == null || parsed.getSentinelMasterId().isBlank()) {
                throw new IllegalArgumentException("redisUri names no master: add #masterId, the name the sentinels "
                    + "monitor" + expected);
            }
            return parsed;
        }
    }
}
