package io.github.tokenrefresh4j.redis.internal;

import io.github.tokenrefresh4j.AccessToken;
import io.lettuce.core.ScriptOutputType;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The stored-token protocol: reading the shared token with the failure record, storing a newer generation, and
 * recording a failed refresh while releasing the lock. The protocol itself is written down in the package javadoc.
 *
 * <p>Expiry follows Redis's clock, not the hosts': the writer stores how long its token has left (its expiry minus
 * its own now), the store script turns that into an instant of Redis's {@code TIME}, and the read script turns it
 * back into milliseconds left, which each reader adds to its own now. So hosts whose clocks differ agree on when the
 * shared token expires.
 */
public final class SharedTokenStore {

    /**
     * KEYS[1] token hash, KEYS[2] failure record; ARGV generation, stored form, events channel, ms left (-1: no
     * expiry), lifetime in ms. Writes only a newer generation, and clears the record of a failed refresh.
     */
    private static final String STORE_SCRIPT = ""
        + "local stored = tonumber(redis.call('HGET', KEYS[1], 'generation') or '0')\n"
        + "if tonumber(ARGV[1]) <= stored then return 0 end\n"
        + "redis.call('HSET', KEYS[1], 'generation', ARGV[1], 'token', ARGV[2])\n"
        + "if tonumber(ARGV[4]) >= 0 then\n"
        + "  local now = redis.call('TIME')\n"
        + "  local expires = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) + tonumber(ARGV[4])\n"
        + "  redis.call('HSET', KEYS[1], 'expires', string.format('%.0f', expires), 'lifetime', ARGV[5])\n"
        + "else\n"
        + "  redis.call('HDEL', KEYS[1], 'expires', 'lifetime')\n"
        + "end\n"
        + "redis.call('DEL', KEYS[2])\n"
        + "redis.call('PUBLISH', ARGV[3], 'stored')\n"
        + "return 1\n";
    /**
     * KEYS[1] token hash, KEYS[2] failure record; returns generation, stored form, failure record, the record's
     * PTTL, ms the token has left by Redis's clock (or nil) and its lifetime, in one reply, so that the record is
     * judged against the very generation it was read with.
     */
    private static final String READ_SCRIPT = ""
        + "local h = redis.call('HMGET', KEYS[1], 'generation', 'token', 'expires', 'lifetime')\n"
        + "local left = false\n"
        + "if h[3] then\n"
        + "  local now = redis.call('TIME')\n"
        + "  left = tonumber(h[3]) - (tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))\n"
        + "end\n"
        + "return {h[1], h[2], redis.call('GET', KEYS[2]), redis.call('PTTL', KEYS[2]), left, h[4]}\n";
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

    private static final Duration MAX_LEFT = Duration.ofDays(36_500);

    private final FleetConnection redis;
    private final FleetKeys keys;
    private final SharedTokenCodec codec;
    private final Clock clock;

    public SharedTokenStore(FleetConnection redis, FleetKeys keys, SharedTokenCodec codec, Clock clock) {
        this.redis = redis;
        this.keys = keys;
        this.codec = codec;
        this.clock = clock;
    }

    /** @return the shared token, its expiry moved onto this host's clock, and the failure record of its generation */
    public Snapshot read(Deadline deadline) {
        return snapshot(redis.await(redis.commands(deadline).eval(READ_SCRIPT, ScriptOutputType.MULTI,
            new String[] {keys.token(), keys.failure()}), deadline));
    }

    /** As {@link #read}, through interrupts (restoring the flag): for the lock holder after its delegate. */
    public Snapshot readUninterruptibly(Deadline deadline) {
        return snapshot(redis.awaitUninterruptibly(redis.commands(deadline).eval(READ_SCRIPT,
            ScriptOutputType.MULTI, new String[] {keys.token(), keys.failure()}), deadline));
    }

    /**
     * Stores {@code token} as {@code generation} if that is newer than the stored one; one attempt, through
     * interrupts, never cancelled.
     *
     * @return false if a newer or equal generation is stored already (the caller was fenced off)
     * @throws RedisUnavailableException if Redis did not confirm before the deadline
     */
    public boolean store(long generation, AccessToken token, Deadline deadline) {
        long left = token.expiresAt().map(this::millisLeft).orElse(-1L);
        Long stored = redis.awaitUninterruptibly(redis.commands(deadline).eval(STORE_SCRIPT, ScriptOutputType.INTEGER,
            new String[] {keys.token(), keys.failure()}, Long.toString(generation), codec.encode(token),
            keys.events(), Long.toString(left), Long.toString(left)), deadline);
        return stored == 1;
    }

    /**
     * Records, for {@code cooldown}, that refreshing generation {@code replaced} failed with {@code reason}, and
     * releases the lock of {@code owner}, in one script.
     *
     * @return whether the lock was released (and the record written)
     */
    public boolean recordFailure(String owner, long replaced, String reason, Duration cooldown, Deadline deadline) {
        Long recorded = redis.awaitUninterruptibly(redis.commands(deadline).eval(FAIL_SCRIPT,
            ScriptOutputType.INTEGER, new String[] {keys.lock(), keys.failure()}, owner, replaced + " " + reason,
            Long.toString(cooldown.toMillis()), keys.events()), deadline);
        return recorded == 1;
    }

    /** Zero or more, and at most about 100 years: Lua counts in doubles, and Instant.MAX means "never" anyway. */
    private long millisLeft(Instant expiresAt) {
        Instant now = clock.instant();
        if (!expiresAt.isAfter(now)) {
            return 0;
        }
        return expiresAt.isAfter(now.plus(MAX_LEFT)) ? MAX_LEFT.toMillis() : Duration.between(now, expiresAt).toMillis();
    }

    private Snapshot snapshot(List<Object> fields) {
        Shared shared = null;
        if (fields.get(0) != null && fields.get(1) != null) {
            AccessToken token = codec.decode((String) fields.get(1));
            Object left = fields.get(4);
            if (left != null && token.expiresAt().isPresent()) {
                // Redis's clock decides how long the token has left; this host's clock only counts it down
                Instant expiresAt = clock.instant().plusMillis((Long) left);
                AccessToken rebased = AccessToken.of(token.value(), expiresAt);
                token = token.refreshToken().map(rebased::withRefreshToken).orElse(rebased);
            }
            long lifetime = fields.get(5) == null ? -1 : number(fields.get(5), keys.token());
            shared = new Shared(number(fields.get(0), keys.token()), token, lifetime);
        }
        String record = (String) fields.get(2);
        long remainingMillis = (Long) fields.get(3);
        // a record without expiry was not written by us; one for an older generation was overtaken by a success
        if (record == null || remainingMillis <= 0) {
            return new Snapshot(shared, null, 0);
        }
        int space = record.indexOf(' ');
        long failed = number(space < 0 ? record : record.substring(0, space), keys.failure());
        if (failed != (shared != null ? shared.generation() : 0)) {
            return new Snapshot(shared, null, 0);
        }
        return new Snapshot(shared, record.substring(space + 1), remainingMillis);
    }

    private static long number(Object value, String where) {
        try {
            return Long.parseLong((String) value);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("a field under key '" + where + "' is not a number; is the key used by "
                + "something else?");
        }
    }

    /**
     * The token stored under the key, with its generation and its lifetime when stored (-1: unknown).
     *
     * @param generation     counts the stored tokens: the n-th refresh stores generation n
     * @param token          the token, its expiry on this host's clock
     * @param lifetimeMillis how long it had to live when it was stored, or -1
     */
    public record Shared(long generation, AccessToken token, long lifetimeMillis) {
    }

    /**
     * One consistent look at Redis: the shared token, and the reason and remaining cooldown of a failed refresh of
     * exactly that token, if any.
     *
     * @param shared                 the shared token, or null
     * @param failureReason          the failure's type and message, or null
     * @param failureRemainingMillis how long the cooldown lasts still
     */
    public record Snapshot(Shared shared, String failureReason, long failureRemainingMillis) {
    }
}
