package io.github.tokenrefresh4j.redis.internal;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The fleet-wide refresh lock, {@code {key}:lock}, with its watchdog.
 *
 * <p>The lock is taken with {@code SET NX PX lockTimeout} and holds a random owner id. While the holder's delegate
 * runs, a watchdog on the client's scheduler renews it every {@code lockTimeout / 3}, each time to
 * {@code lockTimeout} but never past {@code maxLockHold} after it was taken. So a live holder keeps the lock through
 * a slow token endpoint, a dead holder (no more renewals) loses it within {@code lockTimeout}, and a hung one within
 * {@code maxLockHold}. Renewing and releasing are compare-and-set scripts: only the owner renews or deletes the lock.
 */
public final class RefreshLock {

    /**
     * KEYS[1] lock; ARGV owner, time to live in ms. Renews the lock only for its owner, and takes it again if it is
     * gone (Redis restarted empty or failed over while the holder's request was at the token endpoint): otherwise
     * another instance would present the very refresh token the holder is presenting.
     */
    private static final String RENEW_SCRIPT = ""
        + "local holder = redis.call('GET', KEYS[1])\n"
        + "if not holder then\n"
        + "  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\n"
        + "  return 1\n"
        + "end\n"
        + "if holder ~= ARGV[1] then return 0 end\n"
        + "redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
        + "return 1\n";
    /** KEYS[1] lock; ARGV owner, events channel. Deletes the lock only for its owner, and wakes the waiters. */
    private static final String RELEASE_SCRIPT = ""
        + "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n"
        + "redis.call('DEL', KEYS[1])\n"
        + "redis.call('PUBLISH', ARGV[2], 'released')\n"
        + "return 1\n";

    private static final System.Logger LOG = System.getLogger(RefreshLock.class.getName());

    private final FleetConnection redis;
    private final FleetKeys keys;
    private final Duration lockTimeout;
    private final Duration maxLockHold;

    /**
     * @param lockTimeout how long the lock lives without renewal
     * @param maxLockHold how long the watchdog may keep it, from when it was taken; at least {@code lockTimeout}
     */
    public RefreshLock(FleetConnection redis, FleetKeys keys, Duration lockTimeout, Duration maxLockHold) {
        this.redis = redis;
        this.keys = keys;
        this.lockTimeout = lockTimeout;
        this.maxLockHold = maxLockHold;
    }

    /**
     * @return whether {@code owner} took the lock. If the reply is not had (deadline, interrupt, disconnect), the
     *     {@code SET} may still reach Redis and take the lock for a caller that is gone: a release is sent behind it,
     *     on the same connection, so the fleet does not wait out {@code lockTimeout} for nothing.
     */
    public boolean tryAcquire(String owner, Deadline deadline) {
        RedisClusterAsyncCommands<String, String> commands = redis.commands(deadline);
        Future<String> set = commands.set(keys.lock(), owner, SetArgs.Builder.nx().px(lockTimeout.toMillis()));
        try {
            return "OK".equals(redis.await(set, deadline));
        } catch (RuntimeException e) {
            try {
                // not awaited: the caller gave up already; RELEASE deletes the lock only if the SET took it for us
                commands.eval(RELEASE_SCRIPT, ScriptOutputType.INTEGER, new String[] {keys.lock()}, owner,
                    keys.events());
            } catch (RuntimeException notSent) {
                e.addSuppressed(notSent);
            }
            throw e;
        }
    }

    /** @return the lock's remaining time in ms; -2 if it is gone, -1 if it has no expiry (not ours to break) */
    public long remainingMillis(Deadline deadline) {
        return redis.await(redis.commands(deadline).pttl(keys.lock()), deadline);
    }

    /**
     * Starts renewing the lock for {@code owner}, which took it at {@code takenAtNanos} ({@link System#nanoTime()}
     * read before the {@code SET}, so the holder never believes it holds longer than Redis does).
     *
     * @return the watchdog; {@link Watchdog#stop()} it before releasing the lock
     */
    public Watchdog watch(String owner, long takenAtNanos) {
        Watchdog watchdog = new Watchdog(owner, takenAtNanos);
        long period = Math.max(1, lockTimeout.toMillis() / 3);
        watchdog.task.set(redis.scheduler().scheduleAtFixedRate(watchdog::renew, period, period,
            TimeUnit.MILLISECONDS));
        return watchdog;
    }

    /**
     * Releases the lock if {@code owner} still holds it. The release is sent even when this thread is interrupted
     * or the deadline has passed; a failure is logged, and the lock then expires on its own.
     */
    public void release(String owner, Deadline deadline) {
        try {
            RedisClusterAsyncCommands<String, String> commands = redis.commands(deadline);
            redis.awaitUninterruptibly(commands.eval(RELEASE_SCRIPT, ScriptOutputType.INTEGER,
                new String[] {keys.lock()}, owner, keys.events()), deadline);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not confirm the release of the lock of key ''{0}'' ({1}); it "
                + "expires within lockTimeout={2}", keys.name(), e.getMessage(), lockTimeout);
        }
    }

    /** Renews one holder's lock until stopped, until {@code maxLockHold}, or until the lock turns out lost. */
    public final class Watchdog {
        private final String owner;
        private final long takenAtNanos;
        private final AtomicReference<ScheduledFuture<?>> task = new AtomicReference<>();
        private volatile boolean stopped;

        private Watchdog(String owner, long takenAtNanos) {
            this.owner = owner;
            this.takenAtNanos = takenAtNanos;
        }

        private void renew() {
            long leftMillis = maxLockHold.toMillis()
                - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - takenAtNanos);
            if (stopped || leftMillis <= 0) {
                stop();
                return;
            }
            RedisClusterAsyncCommands<String, String> commands = redis.commandsIfConnected();
            if (commands == null) {
                // dropped to follow a new master while the delegate runs: the holder lives, so its lock must too;
                // connect without blocking and renew at once (a failed connect leaves it to the next round)
                redis.commandsInBackground().thenAccept(connected -> renewOn(connected, leftMillis));
                return;
            }
            renewOn(commands, leftMillis);
        }

        private void renewOn(RedisClusterAsyncCommands<String, String> commands, long leftMillis) {
            RedisFuture<Long> renewal;
            // RENEW takes a missing lock again: once stop() returned (before RELEASE is sent), none may be sent
            synchronized (this) {
                if (stopped) {
                    return;
                }
                // never block the scheduler's thread: the reply is looked at when it comes
                renewal = commands.eval(RENEW_SCRIPT, ScriptOutputType.INTEGER, new String[] {keys.lock()}, owner,
                    Long.toString(Math.min(lockTimeout.toMillis(), leftMillis)));
            }
            renewal.whenComplete((renewed, failure) -> {
                if (failure == null && Long.valueOf(0).equals(renewed)) {
                    stop();
                }
            });
        }

        /** Stops renewing; idempotent. Once it returns, no renewal is sent. */
        public void stop() {
            synchronized (this) {
                stopped = true;
            }
            ScheduledFuture<?> scheduled = task.get();
            if (scheduled != null) {
                scheduled.cancel(false);
            }
        }
    }
}
