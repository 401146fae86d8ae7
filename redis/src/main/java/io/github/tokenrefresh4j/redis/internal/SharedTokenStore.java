package io.github.tokenrefresh4j.redis.internal;

import io.github.tokenrefresh4j.AccessToken;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

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
     * KEYS[1] token hash, KEYS[2] failure record, KEYS[3] in-flight mark; ARGV generation, stored form, events
     * channel, ms left (-1: no expiry), lifetime in ms, 1 for a token just refreshed (0: a write-back). Writes only
     * a newer generation ("newest wins": the same script puts back a token that a rollback of Redis lost). A token
     * just refreshed clears the record of a failed refresh and the mark of the refresh that produced it; a
     * write-back clears neither: the mark of a holder that stopped while presenting the written-back generation's
     * refresh token still says that refresh token may be spent. A write-back stamps the hash with {@code restored}
     * (Redis's time) and publishes {@code restored}, which asks every instance to write back the newest token it has
     * seen; a refresh deletes the stamp and publishes {@code stored}.
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
        + "if ARGV[6] == '1' then\n"
        + "  redis.call('DEL', KEYS[2], KEYS[3])\n"
        + "  redis.call('HDEL', KEYS[1], 'restored')\n"
        + "  redis.call('PUBLISH', ARGV[3], 'stored')\n"
        + "else\n"
        + "  local t = redis.call('TIME')\n"
        + "  local at = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
        + "  redis.call('HSET', KEYS[1], 'restored', string.format('%.0f', at))\n"
        + "  redis.call('PUBLISH', ARGV[3], 'restored')\n"
        + "end\n"
        + "return 1\n";
    /**
     * KEYS[1] token hash, KEYS[2] failure record, KEYS[3] in-flight mark; returns generation, stored form, failure
     * record, the record's PTTL, ms the token has left by Redis's clock (or nil), its lifetime, the in-flight mark,
     * Redis's time in ms and how long ago the token was written back (or nil), in one reply, so that the record and
     * the mark are judged against the very generation they were read with.
     */
    private static final String READ_SCRIPT = ""
        + "local h = redis.call('HMGET', KEYS[1], 'generation', 'token', 'expires', 'lifetime', 'restored')\n"
        + "local t = redis.call('TIME')\n"
        + "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
        + "local left = false\n"
        + "if h[3] then left = tonumber(h[3]) - now end\n"
        + "local restored = false\n"
        + "if h[5] then restored = math.max(0, now - tonumber(h[5])) end\n"
        + "return {h[1], h[2], redis.call('GET', KEYS[2]), redis.call('PTTL', KEYS[2]), left, h[4],\n"
        + "  redis.call('GET', KEYS[3]), now, restored}\n";
    /**
     * KEYS[1] lock, KEYS[2] in-flight mark; ARGV owner, "generation refresh-token-digest instance", time to live in
     * ms. Marks, only for the lock's holder, that it is about to call the token endpoint, stamped with Redis's time.
     */
    private static final String MARK_SCRIPT = ""
        + "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n"
        + "local t = redis.call('TIME')\n"
        + "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
        + "redis.call('SET', KEYS[2], ARGV[2] .. ' ' .. string.format('%.0f', now), 'PX', ARGV[3])\n"
        + "return 1\n";
    /**
     * KEYS[1] lock, KEYS[2] failure record, KEYS[3] in-flight mark; ARGV owner, record, cooldown in ms (0: no
     * record), events channel, 1 to clear the mark. Records a failed refresh and releases the lock in one step, so
     * no instance can take the lock and miss the record. Records nothing if another instance holds the lock: it
     * took over, and its own outcome counts.
     */
    private static final String FAIL_SCRIPT = ""
        + "local holder = redis.call('GET', KEYS[1])\n"
        + "if holder and holder ~= ARGV[1] then return 0 end\n"
        + "if tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3]) end\n"
        + "if ARGV[5] == '1' then redis.call('DEL', KEYS[3]) end\n"
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
            new String[] {keys.token(), keys.failure(), keys.inFlight()}), deadline));
    }

    /** As {@link #read}, through interrupts (restoring the flag): for the lock holder after its delegate. */
    public Snapshot readUninterruptibly(Deadline deadline) {
        return snapshot(redis.awaitUninterruptibly(redis.commands(deadline).eval(READ_SCRIPT,
            ScriptOutputType.MULTI, new String[] {keys.token(), keys.failure(), keys.inFlight()}), deadline));
    }

    /**
     * Stores {@code token} as {@code generation} if that is newer than the stored one; one attempt, through
     * interrupts, never cancelled.
     *
     * @return false if a newer or equal generation is stored already (the caller was fenced off)
     * @throws RedisUnavailableException if Redis did not confirm before the deadline
     */
    public boolean store(long generation, AccessToken token, Deadline deadline) {
        return store(generation, token, true, deadline);
    }

    /**
     * As {@link #store}, for a token this instance saw before and Redis lost: keeps the failure record and the
     * in-flight mark, which speak of that token's refresh token.
     */
    public boolean writeBack(long generation, AccessToken token, Deadline deadline) {
        return store(generation, token, false, deadline);
    }

    private boolean store(long generation, AccessToken token, boolean refreshed, Deadline deadline) {
        Long stored = redis.awaitUninterruptibly(eval(redis.commands(deadline), generation, token, refreshed),
            deadline);
        return stored == 1;
    }

    /**
     * As {@link #writeBack} (or {@link #store}), without waiting and only on the open connection: for a write-back
     * that a (re)connect or another instance's write-back asked for, on one of the client's threads.
     *
     * @param refreshed true for this instance's own refresh that it could not store: stored as {@link #store} does
     * @return whether it wrote; failed if not connected or if Redis did not take it
     */
    public CompletableFuture<Boolean> storeInBackground(long generation, AccessToken token, boolean refreshed) {
        RedisClusterAsyncCommands<String, String> commands = redis.commandsIfConnected();
        if (commands == null) {
            return CompletableFuture.failedFuture(new RedisUnavailableException("not connected", null));
        }
        return eval(commands, generation, token, refreshed).toCompletableFuture().thenApply(stored -> stored == 1);
    }

    private RedisFuture<Long> eval(RedisClusterAsyncCommands<String, String> commands, long generation,
                                   AccessToken token, boolean refreshed) {
        long left = token.expiresAt().map(this::millisLeft).orElse(-1L);
        return commands.eval(STORE_SCRIPT, ScriptOutputType.INTEGER,
            new String[] {keys.token(), keys.failure(), keys.inFlight()}, Long.toString(generation),
            codec.encode(token), keys.events(), Long.toString(left), Long.toString(left), refreshed ? "1" : "0");
    }

    /**
     * Records, for {@code cooldown} (zero: no record), that refreshing generation {@code replaced} failed with
     * {@code reason}, and releases the lock of {@code owner}, in one script.
     *
     * @param clearMark whether the in-flight mark goes too: the delegate answered, so nothing is left in flight
     * @return whether the lock was released (and the record written)
     */
    public boolean recordFailure(String owner, long replaced, String reason, Duration cooldown, boolean clearMark,
                                 Deadline deadline) {
        Long recorded = redis.awaitUninterruptibly(redis.commands(deadline).eval(FAIL_SCRIPT,
            ScriptOutputType.INTEGER, new String[] {keys.lock(), keys.failure(), keys.inFlight()}, owner,
            replaced + " " + reason, Long.toString(cooldown.toMillis()), keys.events(), clearMark ? "1" : "0"),
            deadline);
        return recorded == 1;
    }

    /**
     * Marks that {@code owner}, holding the lock, is about to present the refresh token of {@code generation} to
     * the token endpoint. The mark names no token: only the first 12 hex digits of its SHA-256.
     *
     * @return false if the lock is no longer {@code owner}'s
     */
    public boolean markInFlight(String owner, InFlight mark, Duration timeToLive, Deadline deadline) {
        Long marked = redis.await(redis.commands(deadline).eval(MARK_SCRIPT, ScriptOutputType.INTEGER,
            new String[] {keys.lock(), keys.inFlight()}, owner, mark.generation() + " " + mark.refreshTokenDigest()
                + " " + mark.instance(), Long.toString(timeToLive.toMillis())), deadline);
        return marked == 1;
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
        InFlight inFlight = fields.size() > 7 ? InFlight.parse((String) fields.get(6), (Long) fields.get(7)) : null;
        long restoredAgo = fields.size() > 8 && fields.get(8) != null && shared != null ? (Long) fields.get(8) : -1;
        String record = (String) fields.get(2);
        long remainingMillis = (Long) fields.get(3);
        // a record without expiry was not written by us; one for an older generation was overtaken by a success
        if (record == null || remainingMillis <= 0) {
            return new Snapshot(shared, null, 0, inFlight, restoredAgo);
        }
        int space = record.indexOf(' ');
        long failed = number(space < 0 ? record : record.substring(0, space), keys.failure());
        if (failed != (shared != null ? shared.generation() : 0)) {
            return new Snapshot(shared, null, 0, inFlight, restoredAgo);
        }
        return new Snapshot(shared, record.substring(space + 1), remainingMillis, inFlight, restoredAgo);
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
     * One consistent look at Redis: the shared token, the reason and remaining cooldown of a failed refresh of
     * exactly that token, if any, the mark of a refresh in flight, if any, and whether the token was written back.
     *
     * @param shared                 the shared token, or null
     * @param failureReason          the failure's type and message, or null
     * @param failureRemainingMillis how long the cooldown lasts still
     * @param inFlight               the mark a holder left before calling its delegate, or null
     * @param restoredAgoMillis      how long ago, by Redis's clock, the shared token was written back after Redis
     *                               lost newer ones; -1 if it was stored by the refresh that produced it
     */
    public record Snapshot(Shared shared, String failureReason, long failureRemainingMillis, InFlight inFlight,
                           long restoredAgoMillis) {
    }

    /**
     * The mark of a refresh in flight, {@code "<generation> <digest> <instance> <since>"}.
     *
     * @param generation         the generation whose refresh token is presented
     * @param refreshTokenDigest the first 12 hex digits of the SHA-256 of that refresh token, or {@code -}
     * @param instance           who presents it ({@code pid@host}), without spaces
     * @param ageMillis          how long ago the mark was set, by Redis's clock (0 when writing it)
     */
    public record InFlight(long generation, String refreshTokenDigest, String instance, long ageMillis) {

        static InFlight parse(String mark, long nowMillis) {
            if (mark == null) {
                return null;
            }
            String[] parts = mark.split(" ");
            if (parts.length != 4) {
                return null;
            }
            try {
                return new InFlight(Long.parseLong(parts[0]), parts[1], parts[2],
                    Math.max(0, nowMillis - Long.parseLong(parts[3])));
            } catch (NumberFormatException e) {
                return null;
            }
        }

        /** @return the digest of {@code token}'s refresh token: enough to tell two apart, nothing to use */
        public static String digest(AccessToken token) {
            if (token == null || token.refreshToken().isEmpty()) {
                return "-";
            }
            try {
                byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(token.refreshToken().get().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                return java.util.HexFormat.of().formatHex(hash, 0, 6);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is missing from this JVM", e);
            }
        }
    }
}
