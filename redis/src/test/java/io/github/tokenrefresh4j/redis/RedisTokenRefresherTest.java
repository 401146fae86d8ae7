package io.github.tokenrefresh4j.redis;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefresher;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.spec.SecretKeySpec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class RedisTokenRefresherTest {

    /** Readers move a shared token's expiry onto their own clock: tokens are the same grant if value and refresh token are. */
    static final Comparator<AccessToken> SAME_GRANT = Comparator.comparing(AccessToken::value)
        .thenComparing(token -> token.refreshToken().orElse(""));

    private static InspectedRedis redis;

    private final List<RedisTokenRefresher> refreshers = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private String key;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = InspectedRedis.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        redis.close();
    }

    @org.junit.jupiter.api.BeforeEach
    void uniqueKey(TestInfo test) {
        key = "tokens:" + test.getDisplayName().replaceAll("[^A-Za-z0-9]", "") + ':' + System.nanoTime();
    }

    @AfterEach
    void closeRefreshers() throws InterruptedException {
        threads.shutdownNow();
        threads.awaitTermination(10, TimeUnit.SECONDS);
        refreshers.forEach(RedisTokenRefresher::close);
    }

    /** The Redis key of the shared token: the key name in a hash tag. */
    private String hashKey() {
        return '{' + key + '}';
    }

    private RedisTokenRefresher.Builder builder(TokenRefresher delegate) {
        return RedisTokenRefresher.builder(redis.uri(), key, delegate)
            .lockTimeout(Duration.ofSeconds(5))
            .waitTimeout(Duration.ofSeconds(5))
            .minTimeToLive(Duration.ZERO);
    }

    private RedisTokenRefresher track(RedisTokenRefresher refresher) {
        refreshers.add(refresher);
        return refresher;
    }

    private static AccessToken token(String value) {
        return AccessToken.of(value, Instant.now().plusSeconds(60)).withRefreshToken("refresh-of-" + value);
    }

    private static RedisCommands<String, String> raw() {
        return redis.raw();
    }

    /** Instances whose last command asked how long the lock lives: they are waiting for it. */
    private static long clientsWaitingForTheLock() {
        return raw().clientList().lines().filter(client -> client.contains(" cmd=pttl ")).count();
    }

    @Test
    void newInstanceTakesSharedTokenWithoutCallingItsDelegate() throws Exception {
        AccessToken first = token("first");
        RedisTokenRefresher one = track(builder(current -> first).build());
        AtomicInteger secondDelegateCalls = new AtomicInteger();
        RedisTokenRefresher two = track(builder(current -> {
            secondDelegateCalls.incrementAndGet();
            return token("second");
        }).build());

        assertThat(one.refresh(null)).usingComparator(SAME_GRANT).isEqualTo(first);
        assertThat(two.refresh(null)).usingComparator(SAME_GRANT).isEqualTo(first);
        assertThat(secondDelegateCalls).hasValue(0);
    }

    @Test
    void callerWithReplacedTokenGetsSharedTokenWithoutRefresh() throws Exception {
        AccessToken old = token("old");
        AccessToken shared = token("shared");
        AtomicInteger calls = new AtomicInteger();
        RedisTokenRefresher writer = track(builder(current -> current == null ? old : shared).build());
        writer.refresh(null);
        writer.refresh(old);
        RedisTokenRefresher reader = track(builder(current -> {
            calls.incrementAndGet();
            return token("unexpected");
        }).build());

        assertThat(reader.refresh(old)).usingComparator(SAME_GRANT).isEqualTo(shared);
        assertThat(calls).hasValue(0);
    }

    @Test
    void refreshPresentsTheSharedTokenNotTheCallersOwn() throws Exception {
        AccessToken shared = token("shared");
        RedisTokenRefresher writer = track(builder(current -> shared).build());
        writer.refresh(null);
        AtomicReference<AccessToken> presented = new AtomicReference<>();
        RedisTokenRefresher refresher = track(builder(current -> {
            presented.set(current);
            return token("next");
        }).build());

        // the caller's own token is the shared one, rejected: a refresh is due, with the shared refresh token
        AccessToken next = refresher.refresh(shared);

        assertThat(next.value()).isEqualTo("next");
        assertThat(presented.get()).usingComparator(SAME_GRANT).isEqualTo(shared);
        assertThat(raw().hget(hashKey(), "generation")).isEqualTo("2");
    }

    @Test
    void expiredSharedTokenIsRefreshedWithItsRefreshToken() throws Exception {
        AccessToken expiring = AccessToken.of("expiring", Instant.now().plusMillis(300))
            .withRefreshToken("refresh-of-expiring");
        RedisTokenRefresher writer = track(builder(current -> expiring).build());
        writer.refresh(null);
        await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(expiring.expiresAt().orElseThrow()));
        AtomicReference<AccessToken> presented = new AtomicReference<>();
        RedisTokenRefresher newcomer = track(builder(current -> {
            presented.set(current);
            return token("renewed");
        }).build());

        assertThat(newcomer.refresh(null).value()).isEqualTo("renewed");
        assertThat(presented.get()).usingComparator(SAME_GRANT).isEqualTo(expiring);
    }

    @Test
    void waiterIsWokenByPublishLongBeforeTheLockExpires() throws Exception {
        CountDownLatch holderInDelegate = new CountDownLatch(1);
        CountDownLatch releaseHolder = new CountDownLatch(1);
        AccessToken fresh = token("fresh");
        RedisTokenRefresher holder = track(builder(current -> {
            holderInDelegate.countDown();
            releaseHolder.await(10, TimeUnit.SECONDS);
            return fresh;
        }).lockTimeout(Duration.ofSeconds(30)).waitTimeout(Duration.ofSeconds(30)).build());
        AtomicInteger waiterDelegateCalls = new AtomicInteger();
        RedisTokenRefresher waiter = track(builder(current -> {
            waiterDelegateCalls.incrementAndGet();
            return token("unexpected");
        }).lockTimeout(Duration.ofSeconds(30)).waitTimeout(Duration.ofSeconds(30)).build());

        Future<AccessToken> held = threads.submit(() -> holder.refresh(null));
        assertThat(holderInDelegate.await(10, TimeUnit.SECONDS)).isTrue();
        Future<AccessToken> waited = threads.submit(() -> waiter.refresh(null));
        // the waiter found the lock taken and asked how long it lives: it is waiting now
        await().atMost(Duration.ofSeconds(5)).until(() -> raw().clientList().contains("cmd=pttl"));
        releaseHolder.countDown();

        // the lock would live 30s: only the publish can wake the waiter this soon
        assertThat(waited.get(5, TimeUnit.SECONDS)).usingComparator(SAME_GRANT).isEqualTo(fresh);
        assertThat(held.get(5, TimeUnit.SECONDS)).usingComparator(SAME_GRANT).isEqualTo(fresh);
        assertThat(waiterDelegateCalls).hasValue(0);
        assertThat(raw().exists(hashKey() + ":lock")).isZero();
    }

    @Test
    void lateWriteFromExpiredHolderDoesNotOverwriteNewerToken() throws Exception {
        AccessToken initial = token("initial");
        track(builder(current -> initial).build()).refresh(null);
        CountDownLatch slowInDelegate = new CountDownLatch(1);
        CountDownLatch releaseSlow = new CountDownLatch(1);
        RedisTokenRefresher slow = track(builder(current -> {
            slowInDelegate.countDown();
            releaseSlow.await(10, TimeUnit.SECONDS);
            return token("late");
        }).lockTimeout(Duration.ofMillis(300)).build());
        AccessToken takeover = token("takeover");
        RedisTokenRefresher fast = track(builder(current -> takeover).lockTimeout(Duration.ofMillis(300)).build());

        Future<AccessToken> late = threads.submit(() -> slow.refresh(initial));
        assertThat(slowInDelegate.await(10, TimeUnit.SECONDS)).isTrue();
        // the slow holder's lock expires after 300ms; the fast instance takes over and stores generation 2
        assertThat(fast.refresh(initial)).usingComparator(SAME_GRANT).isEqualTo(takeover);
        releaseSlow.countDown();

        // the slow holder's write (also generation 2) is fenced off, and it hands out the stored token
        assertThat(late.get(5, TimeUnit.SECONDS)).usingComparator(SAME_GRANT).isEqualTo(takeover);
        assertThat(raw().hget(hashKey(), "generation")).isEqualTo("2");
        assertThat(track(builder(current -> token("unexpected")).build()).refresh(null)).usingComparator(SAME_GRANT).isEqualTo(takeover);
    }

    @Test
    void delegateFailurePropagatesAndReleasesTheLock() throws Exception {
        IOException failure = new IOException("token endpoint down");
        RedisTokenRefresher failing = track(builder(current -> {
            throw failure;
        }).failureCooldown(Duration.ZERO).build());

        assertThatThrownBy(() -> failing.refresh(null)).isSameAs(failure);
        assertThat(raw().exists(hashKey() + ":lock")).isZero();
        assertThat(raw().exists(hashKey() + ":failure")).isZero();
        AccessToken recovered = token("recovered");
        assertThat(track(builder(current -> recovered).failureCooldown(Duration.ZERO).build()).refresh(null))
            .isEqualTo(recovered);
    }

    @Test
    void failedRefreshFailsEveryWaitingInstanceOnceAndTheEndpointSeesOneRequestPerCooldown() throws Exception {
        int waiters = 4;
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch holderInDelegate = new CountDownLatch(1);
        CountDownLatch releaseHolder = new CountDownLatch(1);
        CountDownLatch secondInDelegate = new CountDownLatch(1);
        CountDownLatch releaseSecond = new CountDownLatch(1);
        AccessToken recovered = token("recovered");
        TokenRefresher endpoint = current -> {
            if (calls.incrementAndGet() == 1) {
                holderInDelegate.countDown();
                releaseHolder.await(10, TimeUnit.SECONDS);
                throw new IOException("token endpoint down (503)");
            }
            secondInDelegate.countDown();
            releaseSecond.await(10, TimeUnit.SECONDS);
            return recovered;
        };
        List<RedisTokenRefresher> fleet = fleet(endpoint, waiters, Duration.ofSeconds(3));
        Future<AccessToken> held = threads.submit(() -> fleet.get(0).refresh(null));
        List<Future<AccessToken>> waiting = othersWaitForTheHolder(fleet, holderInDelegate);
        releaseHolder.countDown();

        assertThatThrownBy(() -> held.get(5, TimeUnit.SECONDS))
            .hasCauseInstanceOf(IOException.class).hasRootCauseMessage("token endpoint down (503)");
        for (Future<AccessToken> waiter : waiting) {
            assertThatThrownBy(() -> waiter.get(5, TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(RedisTokenRefreshException.class)
                .hasMessageContaining("the last refresh of key '" + key + "' failed on an instance of the fleet")
                .hasMessageMatching(".*next attempt allowed in \\d+ms.*")
                .hasMessageEndingWith("cause of the last failure: java.io.IOException: token endpoint down (503)");
        }
        assertThat(calls).hasValue(1);
        assertThat(raw().exists(hashKey() + ":lock")).isZero();
        // a call during the cooldown fails fast too, on any instance, the failing one included
        for (RedisTokenRefresher instance : fleet) {
            assertThatThrownBy(() -> instance.refresh(null)).isInstanceOf(RedisTokenRefreshException.class);
        }
        assertThat(calls).hasValue(1);

        await().atMost(Duration.ofSeconds(10)).until(() -> raw().exists(hashKey() + ":failure") == 0);
        List<Future<AccessToken>> afterCooldown = new ArrayList<>();
        for (RedisTokenRefresher instance : fleet) {
            afterCooldown.add(threads.submit(() -> instance.refresh(null)));
        }
        assertThat(secondInDelegate.await(10, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> clientsWaitingForTheLock() == waiters);
        releaseSecond.countDown();

        for (Future<AccessToken> result : afterCooldown) {
            assertThat(result.get(5, TimeUnit.SECONDS)).usingComparator(SAME_GRANT).isEqualTo(recovered);
        }
        assertThat(calls).hasValue(2);
        assertThat(raw().hget(hashKey(), "generation")).isEqualTo("1");
    }

    /** One holder and {@code waiters} more instances, on a lock that would live 30 s. */
    private List<RedisTokenRefresher> fleet(TokenRefresher endpoint, int waiters, Duration failureCooldown) {
        List<RedisTokenRefresher> fleet = new ArrayList<>();
        for (int i = 0; i <= waiters; i++) {
            // only the failure record and its publish can end the others' wait this soon
            fleet.add(track(builder(endpoint).lockTimeout(Duration.ofSeconds(30)).waitTimeout(Duration.ofSeconds(10))
                .failureCooldown(failureCooldown).build()));
        }
        return fleet;
    }

    /** Once the holder (the first instance) is in its delegate, every other instance starts waiting for its lock. */
    private List<Future<AccessToken>> othersWaitForTheHolder(List<RedisTokenRefresher> fleet,
                                                             CountDownLatch holderInDelegate) throws Exception {
        assertThat(holderInDelegate.await(10, TimeUnit.SECONDS)).isTrue();
        List<Future<AccessToken>> waiting = new ArrayList<>();
        for (RedisTokenRefresher waiter : fleet.subList(1, fleet.size())) {
            waiting.add(threads.submit(() -> waiter.refresh(null)));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> clientsWaitingForTheLock() == waiting.size());
        return waiting;
    }

    @Test
    void withoutFailureCooldownEachWaitingInstanceCallsTheFailingDelegateInTurn() throws Exception {
        int waiters = 3;
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch holderInDelegate = new CountDownLatch(1);
        CountDownLatch releaseHolder = new CountDownLatch(1);
        TokenRefresher endpoint = current -> {
            if (calls.incrementAndGet() == 1) {
                holderInDelegate.countDown();
                releaseHolder.await(10, TimeUnit.SECONDS);
            }
            throw new IOException("token endpoint down");
        };
        List<RedisTokenRefresher> fleet = fleet(endpoint, waiters, Duration.ZERO);
        Future<AccessToken> held = threads.submit(() -> fleet.get(0).refresh(null));
        List<Future<AccessToken>> waiting = othersWaitForTheHolder(fleet, holderInDelegate);
        releaseHolder.countDown();

        assertThatThrownBy(() -> held.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
        for (Future<AccessToken> waiter : waiting) {
            assertThatThrownBy(() -> waiter.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
        }
        assertThat(calls).hasValue(1 + waiters);
        assertThat(raw().exists(hashKey() + ":failure")).isZero();
    }

    @Test
    void failureRecordHoldsOffOnlyTheGenerationItWasRecordedFor() throws Exception {
        AccessToken expired = AccessToken.of("expired", Instant.now().minusSeconds(1)).withRefreshToken("r");
        track(builder(current -> expired).build()).refresh(null);
        AtomicInteger calls = new AtomicInteger();
        RedisTokenRefresher refresher = track(builder(current -> {
            calls.incrementAndGet();
            return token("next");
        }).build());

        raw().set(hashKey() + ":failure", "1 java.io.IOException: down", io.lettuce.core.SetArgs.Builder.px(30_000));
        assertThatThrownBy(() -> refresher.refresh(expired))
            .isInstanceOf(RedisTokenRefreshException.class)
            .hasMessageContaining("java.io.IOException: down");
        assertThat(calls).hasValue(0);

        // a record of a failure to replace generation 0 was overtaken by the token stored as generation 1
        raw().set(hashKey() + ":failure", "0 java.io.IOException: down", io.lettuce.core.SetArgs.Builder.px(30_000));
        assertThat(refresher.refresh(expired).value()).isEqualTo("next");
        assertThat(calls).hasValue(1);
        assertThat(raw().exists(hashKey() + ":failure")).isZero();
    }

    @Test
    void lockHeldPastWaitTimeoutFailsWithClearException() throws Exception {
        raw().set(hashKey() + ":lock", "someone-else", io.lettuce.core.SetArgs.Builder.px(30_000));
        AtomicInteger calls = new AtomicInteger();
        RedisTokenRefresher refresher = track(builder(current -> {
            calls.incrementAndGet();
            return token("unexpected");
        // the call connects first: 300ms could pass on a loaded machine before it even sees the lock
        }).waitTimeout(Duration.ofSeconds(2)).build());

        long start = System.nanoTime();
        assertThatThrownBy(() -> refresher.refresh(null))
            .isInstanceOf(RedisTokenRefreshException.class)
            .hasMessageContaining("waitTimeout=PT2S")
            .hasMessageContaining("another instance holds the refresh lock");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("well before the lock's 30s")
            .isLessThan(Duration.ofSeconds(15));
        assertThat(calls).hasValue(0);
    }

    @Test
    void encryptedTokenIsUnreadableInRedisAndSharedBetweenInstances() throws Exception {
        SecretKeySpec aes = new SecretKeySpec(new byte[32], "AES");
        AccessToken secret = AccessToken.of("access-SECRET", Instant.now().plusSeconds(60))
            .withRefreshToken("refresh-SECRET");
        RedisTokenRefresher writer = track(builder(current -> secret).encryptionKey(aes).build());
        RedisTokenRefresher reader = track(builder(current -> token("unexpected")).encryptionKey(aes).build());

        writer.refresh(null);

        String stored = raw().hget(hashKey(), "token");
        assertThat(stored).startsWith("e1.").doesNotContain("SECRET")
            .doesNotContain(java.util.Base64.getEncoder().encodeToString("access-SECRET".getBytes()));
        assertThat(reader.refresh(null)).usingComparator(SAME_GRANT).isEqualTo(secret);
    }

    @Test
    void wrongEncryptionKeyFailsClearlyWithoutLeakingTheToken() throws Exception {
        byte[] other = new byte[16];
        other[0] = 1;
        track(builder(current -> token("SECRET")).encryptionKey(new SecretKeySpec(new byte[16], "AES")).build())
            .refresh(null);
        RedisTokenRefresher wrongKey = track(builder(current -> token("unexpected"))
            .encryptionKey(new SecretKeySpec(other, "AES")).build());
        RedisTokenRefresher noKey = track(builder(current -> token("unexpected")).build());

        assertThatThrownBy(() -> wrongKey.refresh(null))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("could not be decrypted")
            .hasMessageNotContaining("SECRET");
        assertThatThrownBy(() -> noKey.refresh(null))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("is encrypted but this RedisTokenRefresher has no encryptionKey");
    }

    @Test
    void keyHoldingSomethingElseFailsClearly() {
        raw().set(hashKey(), "a string, not our hash");
        RedisTokenRefresher refresher = track(builder(current -> token("unexpected")).build());

        assertThatThrownBy(() -> refresher.refresh(null))
            .isInstanceOf(RedisTokenRefreshException.class)
            .hasMessageContaining("refused a command on key '" + key + "'")
            .hasMessageContaining("WRONGTYPE");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:6379", "redis://", "not a uri with spaces", "127.0.0.1:6379",
        "redis://:s3cret@127.0.0.1:notaport", "redis-socket:///tmp/redis.sock",
        "redis-sentinel://:s3cret@127.0.0.1:26379"})
    void badRedisUriIsRejectedNamingTheParameterWithoutEchoingIt(String uri) {
        assertThatThrownBy(() -> RedisTokenRefresher.builder(uri, "tokens:x", current -> token("x")))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("redisUri")
            .hasMessageContaining("expected redis://")
            .hasMessageNotContaining("s3cret");
    }

    @Test
    void builderRejectsBadArgumentsNamingThem() {
        TokenRefresher delegate = current -> token("x");
        assertThatThrownBy(() -> RedisTokenRefresher.builder((String) null, "k", delegate))
            .hasMessageContaining("redisUri");
        assertThatThrownBy(() -> RedisTokenRefresher.builder(redis.uri(), " ", delegate))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key");
        assertThatThrownBy(() -> RedisTokenRefresher.builder(redis.uri(), "k", null))
            .hasMessageContaining("delegate");
        assertThatThrownBy(() -> RedisTokenRefresher.builder((io.lettuce.core.RedisClient) null, "k", delegate))
            .isInstanceOf(NullPointerException.class).hasMessageContaining("client");
        assertThatThrownBy(() -> RedisTokenRefresher.builder(
            (io.lettuce.core.cluster.RedisClusterClient) null, "k", delegate))
            .isInstanceOf(NullPointerException.class).hasMessageContaining("client");
        RedisTokenRefresher.Builder builder = RedisTokenRefresher.builder(redis.uri(), "k", delegate);
        assertThatThrownBy(() -> builder.maxLockHold(Duration.ZERO))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxLockHold");
        assertThatThrownBy(() -> builder.lockTimeout(Duration.ZERO))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lockTimeout");
        assertThatThrownBy(() -> builder.waitTimeout(Duration.ofMillis(-1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("waitTimeout");
        assertThatThrownBy(() -> builder.minTimeToLive(Duration.ofMillis(-1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minTimeToLive");
        assertThatThrownBy(() -> builder.failureCooldown(Duration.ofMillis(-1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("failureCooldown");
        assertThatThrownBy(() -> builder.failureCooldown(Duration.ofNanos(1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("failureCooldown must be zero or");
        assertThatThrownBy(() -> builder.failureCooldown(null))
            .isInstanceOf(NullPointerException.class).hasMessageContaining("failureCooldown");
        assertThatThrownBy(() -> builder.writeBackWindow(Duration.ofMillis(-1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("writeBackWindow must be zero or");
        assertThatThrownBy(() -> builder.writeBackWindow(Duration.ofNanos(1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("writeBackWindow must be zero or");
        assertThatThrownBy(() -> builder.writeBackWindow(Duration.ofDays(36_501)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("writeBackWindow must be at most");
        assertThatThrownBy(() -> builder.writeBackWindow(null))
            .isInstanceOf(NullPointerException.class).hasMessageContaining("writeBackWindow");
        assertThatThrownBy(() -> builder.encryptionKey(new SecretKeySpec(new byte[10], "AES")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("encryptionKey");
        assertThatThrownBy(() -> builder.encryptionKey(new SecretKeySpec(new byte[16], "HmacSHA256")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("encryptionKey");
    }

    @Test
    void toStringNamesEndpointAndKeyButNeverThePassword() {
        RedisTokenRefresher refresher = track(RedisTokenRefresher
            .builder("redis://user:s3cret@127.0.0.1:" + redis.port() + "/2", "tokens:orders", current -> token("x"))
            .build());

        assertThat(refresher.toString())
            .contains("redis://127.0.0.1:" + redis.port())
            .contains("tokens:orders")
            .doesNotContain("s3cret");
    }

    @Test
    void closedRefresherRefusesToRefresh() {
        RedisTokenRefresher refresher = builder(current -> token("x")).build();
        refresher.close();

        assertThatThrownBy(() -> refresher.refresh(null))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("is closed");
    }

    @Test
    void concurrentCallersOfOneInstanceShareOneRefresh() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        RedisTokenRefresher refresher = track(builder(current -> {
            calls.incrementAndGet();
            release.await(10, TimeUnit.SECONDS);
            return token("only");
        }).build());

        List<CompletableFuture<AccessToken>> results = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            results.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return refresher.refresh(null);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, threads));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.get() == 1);
        release.countDown();

        for (CompletableFuture<AccessToken> result : results) {
            assertThat(result.get(5, TimeUnit.SECONDS).value()).isEqualTo("only");
        }
        assertThat(calls).hasValue(1);
    }
}
