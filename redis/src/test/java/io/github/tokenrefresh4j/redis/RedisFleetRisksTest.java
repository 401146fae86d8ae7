package io.github.tokenrefresh4j.redis;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefresher;
import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static io.github.tokenrefresh4j.redis.RedisTokenRefresherTest.SAME_GRANT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The risks found by reading the first version (issue 11), each pinned by a test that fails without its fix: the lock
 * shorter than the refresh, clock skew, a store tried once, an interrupted holder, fresh deadlines per step, and
 * tokens shorter than minTimeToLive.
 */
class RedisFleetRisksTest {

    private static InspectedRedis redis;

    private final List<AutoCloseable> closeables = new ArrayList<>();
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

    @BeforeEach
    void uniqueKey(TestInfo test) {
        key = "tokens:" + test.getTestMethod().orElseThrow().getName() + ':' + System.nanoTime();
    }

    @AfterEach
    void cleanUp() throws Exception {
        allowEval();
        threads.shutdownNow();
        threads.awaitTermination(10, TimeUnit.SECONDS);
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
    }

    private static RedisCommands<String, String> raw() {
        return redis.raw();
    }

    private String hashKey() {
        return '{' + key + '}';
    }

    private RedisTokenRefresher.Builder builder(TokenRefresher delegate) {
        return RedisTokenRefresher.builder(redis.uri(), key, delegate)
            .waitTimeout(Duration.ofSeconds(5))
            .minTimeToLive(Duration.ZERO);
    }

    private RedisTokenRefresher track(RedisTokenRefresher refresher) {
        closeables.add(refresher);
        return refresher;
    }

    private static AccessToken token(String value, Clock clock, Duration lifetime) {
        return AccessToken.of(value, clock.instant().plus(lifetime)).withRefreshToken("refresh-of-" + value);
    }

    /** Makes Redis refuse EVAL (NOPERM), as a brief outage would make the store fail, and says when it refused. */
    private static void refuseEval() {
        raw().aclLogReset();
        raw().aclSetuser("default", AclSetuserArgs.Builder.on().removeCommand(CommandType.EVAL));
    }

    private static void allowEval() {
        raw().aclSetuser("default", AclSetuserArgs.Builder.on().addCommand(CommandType.EVAL));
    }

    private static boolean evalWasRefused() {
        return !raw().aclLog().isEmpty();
    }

    /** Collects what RedisTokenRefresher logs until the closeables are closed. */
    static List<LogRecord> captureLog(List<AutoCloseable> closeables) {
        List<LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        Logger logger = Logger.getLogger(RedisTokenRefresher.class.getName());
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        closeables.add(() -> logger.removeHandler(handler));
        return records;
    }

    static String formatted(LogRecord record) {
        return java.text.MessageFormat.format(record.getMessage(), record.getParameters());
    }

    // --- the lock and its watchdog -------------------------------------------------------------------------------

    @Test
    void defaultLockIsHeldLongerThanTheDecoratorsDefaultRefreshTimeout() {
        RedisTokenRefresher defaults = track(RedisTokenRefresher.builder(redis.uri(), key, current -> null).build());

        // lock 5s, renewed up to 10s: a 6.5s token endpoint keeps the lock as long as the decorator waits for it
        assertThat(defaults.toString()).contains("lockTimeout=PT5S", "maxLockHold=PT10S", "waitTimeout=PT8S");
        assertThat(RedisTokenRefresher.DEFAULT_LOCK_TIMEOUT.multipliedBy(2))
            .isGreaterThanOrEqualTo(TokenRefreshConfig.DEFAULT_REFRESH_TIMEOUT);
        assertThatThrownBy(() -> RedisTokenRefresher.builder(redis.uri(), key, current -> null)
            .lockTimeout(Duration.ofSeconds(5)).maxLockHold(Duration.ofSeconds(4)).build())
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("maxLockHold=PT4S is less than lockTimeout=PT5S");
    }

    /** The defaults' 6.5 s endpoint against a 5 s lock, scaled down: a 2.6 s endpoint against a 2 s lock. */
    @Test
    void tokenEndpointSlowerThanLockTimeoutIsCalledOnceByOneInstance() throws Exception {
        // renewed every 667ms: a loaded machine may stall the renewal for over a second and still keep the lock
        Duration lockTimeout = Duration.ofSeconds(2);
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch inDelegate = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        TokenRefresher slowEndpoint = current -> {
            calls.incrementAndGet();
            inDelegate.countDown();
            finish.await(30, TimeUnit.SECONDS);
            return token("slow", Clock.systemUTC(), Duration.ofMinutes(1));
        };
        RedisTokenRefresher holder = track(builder(slowEndpoint).lockTimeout(lockTimeout).build());
        RedisTokenRefresher other = track(builder(slowEndpoint).lockTimeout(lockTimeout).build());

        Future<AccessToken> held = threads.submit(() -> holder.refresh(null));
        assertThat(inDelegate.await(10, TimeUnit.SECONDS)).isTrue();
        long inDelegateSince = System.nanoTime();
        Future<AccessToken> waited = threads.submit(() -> other.refresh(null));
        // the endpoint answers after 1.3 x lockTimeout; without renewal the lock would be gone by then
        await().atMost(Duration.ofSeconds(10)).until(() ->
            System.nanoTime() - inDelegateSince > lockTimeout.multipliedBy(13).dividedBy(10).toNanos());
        assertThat(raw().exists(hashKey() + ":lock")).as("lock renewed by the watchdog").isOne();
        finish.countDown();

        assertThat(held.get(10, TimeUnit.SECONDS).value()).isEqualTo("slow");
        assertThat(waited.get(10, TimeUnit.SECONDS).value()).isEqualTo("slow");
        assertThat(calls).as("token endpoint calls").hasValue(1);
    }

    @Test
    void hungLockHolderIsTakenOverAfterMaxLockHold() throws Exception {
        CountDownLatch hungInDelegate = new CountDownLatch(1);
        CountDownLatch releaseHung = new CountDownLatch(1);
        closeables.add(releaseHung::countDown);
        AccessToken takeover = token("takeover", Clock.systemUTC(), Duration.ofMinutes(1));
        RedisTokenRefresher hung = track(builder(current -> {
            hungInDelegate.countDown();
            releaseHung.await(30, TimeUnit.SECONDS);
            return token("late", Clock.systemUTC(), Duration.ofMinutes(1));
        }).lockTimeout(Duration.ofMillis(300)).maxLockHold(Duration.ofMillis(900)).build());
        RedisTokenRefresher other = track(builder(current -> takeover)
            .lockTimeout(Duration.ofMillis(300)).maxLockHold(Duration.ofMillis(900)).build());

        Future<AccessToken> late = threads.submit(() -> hung.refresh(null));
        assertThat(hungInDelegate.await(10, TimeUnit.SECONDS)).isTrue();

        // the watchdog stops renewing at maxLockHold: the other instance takes over while the holder still hangs
        assertThat(other.refresh(null).value()).isEqualTo("takeover");
        assertThat(late).isNotDone();
        releaseHung.countDown();
        assertThat(late.get(10, TimeUnit.SECONDS)).as("the late holder is fenced off and returns the stored token")
            .usingComparator(SAME_GRANT).isEqualTo(takeover);
    }

    /**
     * The SET of the lock reaches Redis after the call gave up on its reply (deadline, or interrupt): the lock is
     * then the departed caller's, and without a release the whole fleet waits out lockTimeout. Redis is paused for
     * writes right after the read, so the SET is queued there until the call has given up.
     */
    @Test
    void lockTakenAfterTheCallGaveUpOnTheReplyIsReleasedNotLeftForLockTimeout() throws Exception {
        AtomicBoolean pauseWritesNow = new AtomicBoolean();
        Clock pausing = new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Instant instant() {
                if (pauseWritesNow.compareAndSet(true, false)) {
                    client("PAUSE", "60000", "WRITE");
                }
                return Instant.now();
            }
        };
        closeables.add(() -> client("UNPAUSE"));
        AccessToken first = token("first", Clock.systemUTC(), Duration.ofMinutes(1));
        AtomicInteger calls = new AtomicInteger();
        RedisTokenRefresher refresher = track(builder(current -> calls.incrementAndGet() == 1 ? first : null)
            .clock(pausing).lockTimeout(Duration.ofSeconds(60)).build());
        assertThat(refresher.refresh(null)).isEqualTo(first);

        pauseWritesNow.set(true);
        assertThatThrownBy(() -> refresher.refresh(first)).isInstanceOf(RedisTokenRefreshException.class);
        assertThat(pauseWritesNow).as("writes were paused after the read").isFalse();
        client("UNPAUSE");

        await().atMost(Duration.ofSeconds(10)).until(() -> raw().exists(hashKey() + ":lock") == 0);
        assertThat(calls).hasValue(1);
    }

    @Test
    void closeEndsACallWaitingForAnotherInstancesLockAtOnce() throws Exception {
        raw().set(hashKey() + ":lock", "another-instance", SetArgs.Builder.px(60_000));
        RedisTokenRefresher refresher = track(builder(current -> token("unexpected", Clock.systemUTC(),
            Duration.ofMinutes(1))).waitTimeout(Duration.ofSeconds(60)).build());

        Future<AccessToken> waiting = threads.submit(() -> refresher.refresh(null));
        // it found the lock taken, asked how long it lives, and waits for a wake-up or for the lock to expire
        await().atMost(Duration.ofSeconds(10)).until(() -> raw().clientList().contains("cmd=pttl"));
        refresher.close();

        // not after waitTimeout, with a message blaming Redis: the caller closed it
        assertThatThrownBy(() -> waiting.get(20, TimeUnit.SECONDS))
            .hasCauseInstanceOf(IllegalStateException.class)
            .hasMessageContaining("is closed");
    }

    @Test
    void holderClosedDuringItsDelegateHandsOutTheTokenAtOnce() throws Exception {
        CountDownLatch inDelegate = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        closeables.add(finish::countDown);
        AccessToken fresh = token("fresh", Clock.systemUTC(), Duration.ofMinutes(1));
        RedisTokenRefresher refresher = track(builder(current -> {
            inDelegate.countDown();
            finish.await(30, TimeUnit.SECONDS);
            return fresh;
        }).waitTimeout(Duration.ofSeconds(60)).build());

        Future<AccessToken> held = threads.submit(() -> refresher.refresh(null));
        assertThat(inDelegate.await(10, TimeUnit.SECONDS)).isTrue();
        refresher.close();
        finish.countDown();

        // not after retrying the store on closed connections until waitTimeout
        assertThat(held.get(20, TimeUnit.SECONDS)).isEqualTo(fresh);
    }

    private static void client(String... args) {
        CommandArgs<String, String> commandArgs = new CommandArgs<>(StringCodec.UTF8);
        for (String arg : args) {
            commandArgs.add(arg);
        }
        raw().dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8), commandArgs);
    }

    // --- extreme values ------------------------------------------------------------------------------------------

    @Test
    void durationsBeyondAHundredYearsAreRefusedAtBuildNamingTheParameter() {
        Duration huge = Duration.ofSeconds(Long.MAX_VALUE);
        assertThatThrownBy(() -> builder(current -> null).lockTimeout(huge))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lockTimeout");
        assertThatThrownBy(() -> builder(current -> null).maxLockHold(huge))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxLockHold");
        assertThatThrownBy(() -> builder(current -> null).minTimeToLive(huge))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minTimeToLive");
        assertThatThrownBy(() -> builder(current -> null).failureCooldown(huge))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("failureCooldown");
        // fits in milliseconds, not in the nanoseconds of the call's deadline
        assertThatThrownBy(() -> builder(current -> null).waitTimeout(Duration.ofDays(365L * 1000)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("waitTimeout");
    }

    @Test
    void waitTimeoutLongerThanTheSocketsConnectTimeoutCanHoldStillConnects() throws Exception {
        // Netty's connect timeout is an int of milliseconds: about 24.8 days
        AccessToken fresh = token("fresh", Clock.systemUTC(), Duration.ofMinutes(1));
        RedisTokenRefresher refresher = track(builder(current -> fresh).waitTimeout(Duration.ofDays(30)).build());

        assertThat(refresher.refresh(null)).isEqualTo(fresh);
    }

    // --- clocks --------------------------------------------------------------------------------------------------

    @Test
    void instancesWhoseClocksDiffer30sAgreeWhenTheSharedTokenExpires() throws Exception {
        Clock behind = Clock.systemUTC();
        Clock ahead = Clock.offset(behind, Duration.ofSeconds(30));
        AtomicInteger aheadCalls = new AtomicInteger();
        AtomicInteger behindCalls = new AtomicInteger();
        // each host's token endpoint client computes the expiry from expires_in with its own clock
        RedisTokenRefresher onBehind = track(builder(current -> {
            behindCalls.incrementAndGet();
            return token("from-behind-" + behindCalls.get(), behind, Duration.ofSeconds(20));
        }).clock(behind).build());
        RedisTokenRefresher onAhead = track(builder(current -> {
            aheadCalls.incrementAndGet();
            return token("from-ahead", ahead, Duration.ofSeconds(20));
        }).clock(ahead).build());

        AccessToken first = onBehind.refresh(null);
        // 20s left by the writer's clock; the host 30s ahead would judge the absolute instant expired 10s ago
        AccessToken seenAhead = onAhead.refresh(null);

        assertThat(seenAhead).usingComparator(SAME_GRANT).isEqualTo(first);
        assertThat(aheadCalls).as("refreshes by the host whose clock is ahead").hasValue(0);
        assertThat(Duration.between(ahead.instant(), seenAhead.expiresAt().orElseThrow()).toMillis())
            .as("time left, on the host ahead").isCloseTo(20_000L, within(3_000L));

        AccessToken second = onAhead.refresh(seenAhead);
        AccessToken seenBehind = onBehind.refresh(first);
        assertThat(seenBehind).usingComparator(SAME_GRANT).isEqualTo(second);
        assertThat(behindCalls).as("refreshes by the host whose clock is behind").hasValue(1);
        // by its own clock the host behind would have believed the token good for 50s
        assertThat(Duration.between(behind.instant(), seenBehind.expiresAt().orElseThrow()).toMillis())
            .as("time left, on the host behind").isCloseTo(20_000L, within(3_000L));
    }

    // --- the store -----------------------------------------------------------------------------------------------

    /**
     * The store is retried until the call's deadline; the test allows EVAL again only after Redis refused one, and
     * on a loaded machine that can take longer than a few seconds (issue 21 saw it fail with waitTimeout=5s). The
     * deadline is therefore far beyond any scheduling delay: what is tested is that the store is retried at all.
     */
    @Test
    void storeFailingRightAfterTheDelegateIsRetriedWhileHoldingTheLock() throws Exception {
        AccessToken fresh = token("fresh", Clock.systemUTC(), Duration.ofMinutes(1));
        RedisTokenRefresher refresher = track(builder(current -> {
            refuseEval();
            return fresh;
        }).waitTimeout(Duration.ofMinutes(5)).build());

        Future<AccessToken> refreshed = threads.submit(() -> refresher.refresh(null));
        await().atMost(Duration.ofSeconds(10)).until(RedisFleetRisksTest::evalWasRefused);
        assertThat(raw().hget(hashKey(), "generation")).as("nothing stored yet").isNull();
        allowEval();

        assertThat(refreshed.get(5, TimeUnit.MINUTES)).isEqualTo(fresh);
        assertThat(raw().hget(hashKey(), "generation")).isEqualTo("1");
        await().atMost(Duration.ofMinutes(1)).until(() -> raw().exists(hashKey() + ":lock") == 0);
    }

    @Test
    void tokenThatCouldNotBeStoredIsKeptSaidSoAndStoredOnTheNextCall() throws Exception {
        List<LogRecord> log = captureLog(closeables);
        AtomicInteger calls = new AtomicInteger();
        AccessToken fresh = token("fresh", Clock.systemUTC(), Duration.ofMinutes(1));
        RedisTokenRefresher refresher = track(builder(current -> {
            calls.incrementAndGet();
            refuseEval();
            return fresh;
        }).waitTimeout(Duration.ofMillis(800)).build());

        assertThat(refresher.refresh(null)).as("kept and handed out").isEqualTo(fresh);
        assertThat(raw().hget(hashKey(), "generation")).isNull();
        assertThat(log).extracting(RedisFleetRisksTest::formatted).anySatisfy(line -> assertThat(line)
            .contains("refreshed key '" + key + "' but Redis at 127.0.0.1:" + redis.port()
                + " did not store the new token").contains("this instance keeps it"));
        assertThatThrownBy(() -> refresher.refresh(fresh))
            .isInstanceOf(RedisTokenRefreshException.class)
            .hasMessageContaining("This instance holds a token it refreshed but could not store in Redis");

        allowEval();
        assertThat(refresher.refresh(null)).usingComparator(SAME_GRANT).isEqualTo(fresh);
        assertThat(raw().hget(hashKey(), "generation")).isEqualTo("1");
        assertThat(calls).hasValue(1);
    }

    @Test
    void tokenWhoseStoreRedisRefusesIsKeptNotLost() throws Exception {
        // a full Redis (maxmemory, noeviction) refuses writes with OOM: the refresh token is used up all the same
        closeables.add(() -> raw().configSet("maxmemory", "0"));
        AtomicInteger calls = new AtomicInteger();
        AccessToken fresh = token("fresh", Clock.systemUTC(), Duration.ofMinutes(1));
        RedisTokenRefresher refresher = track(builder(current -> {
            calls.incrementAndGet();
            raw().configSet("maxmemory-policy", "noeviction");
            raw().configSet("maxmemory", "1");
            return fresh;
        }).build());

        assertThat(refresher.refresh(null)).as("kept and handed out").isEqualTo(fresh);
        raw().configSet("maxmemory", "0");
        assertThat(raw().hget(hashKey(), "generation")).isNull();

        assertThat(refresher.refresh(null)).usingComparator(SAME_GRANT).isEqualTo(fresh);
        assertThat(raw().hget(hashKey(), "generation")).isEqualTo("1");
        assertThat(calls).hasValue(1);
    }

    // --- interrupts ----------------------------------------------------------------------------------------------

    @Test
    void interruptedHolderStillStoresItsTokenReleasesTheLockAndKeepsTheInterrupt() throws Exception {
        AccessToken fresh = token("fresh", Clock.systemUTC(), Duration.ofMinutes(1));
        RedisTokenRefresher refresher = track(builder(current -> {
            Thread.currentThread().interrupt();
            return fresh;
        }).build());

        Future<Boolean> stillInterrupted = threads.submit(() -> {
            assertThat(refresher.refresh(null)).isEqualTo(fresh);
            return Thread.currentThread().isInterrupted();
        });

        assertThat(stillInterrupted.get(10, TimeUnit.SECONDS)).as("interrupt flag restored").isTrue();
        assertThat(raw().hget(hashKey(), "generation")).isEqualTo("1");
        assertThat(raw().exists(hashKey() + ":lock")).as("lock released").isZero();
    }

    @Test
    void interruptedHolderWhoseDelegateFailsStillReleasesTheLockAndKeepsTheInterrupt() throws Exception {
        RedisTokenRefresher refresher = track(builder(current -> {
            Thread.currentThread().interrupt();
            throw new IOException("request interrupted");
        }).build());

        Future<Boolean> stillInterrupted = threads.submit(() -> {
            assertThatThrownBy(() -> refresher.refresh(null)).isInstanceOf(IOException.class);
            return Thread.currentThread().isInterrupted();
        });

        assertThat(stillInterrupted.get(10, TimeUnit.SECONDS)).as("interrupt flag restored").isTrue();
        assertThat(raw().exists(hashKey() + ":lock")).as("lock released").isZero();
        assertThat(raw().exists(hashKey() + ":failure")).as("an interrupt says nothing about the endpoint").isZero();
    }

    // --- one deadline --------------------------------------------------------------------------------------------

    @Test
    void oneDeadlineBoundsTheWholeCallWhenRedisHangsAfterTheDelegate() throws Exception {
        // room for the first call to connect on a loaded machine; the bound below is about the second call
        Duration waitTimeout = Duration.ofSeconds(5);
        AtomicInteger calls = new AtomicInteger();
        try (RedisServer hanging = RedisServer.start()) {
            RedisTokenRefresher refresher = RedisTokenRefresher.builder(hanging.uri(), key, current -> {
                if (calls.incrementAndGet() == 2) {
                    hanging.freeze();
                }
                return token("token-" + calls.get(), Clock.systemUTC(), Duration.ofMinutes(1));
            }).waitTimeout(waitTimeout).build();
            try {
                AccessToken first = refresher.refresh(null);
                long start = System.nanoTime();
                AccessToken second = refresher.refresh(first);
                Duration took = Duration.ofNanos(System.nanoTime() - start);

                assertThat(second.value()).isEqualTo("token-2");
                // store and release share the call's deadline; a fresh waitTimeout for each took 2 x waitTimeout
                assertThat(took).as("refresh() against a Redis that hangs after the delegate")
                    .isLessThan(waitTimeout.multipliedBy(2));
            } finally {
                hanging.thaw();
                refresher.close();
            }
        }
    }

    // --- short tokens --------------------------------------------------------------------------------------------

    @Test
    void tokensShorterThanMinTimeToLiveAreStillSharedNotRefreshedByEveryInstance() throws Exception {
        List<LogRecord> log = captureLog(closeables);
        AtomicInteger calls = new AtomicInteger();
        TokenRefresher endpoint = current -> token("short-" + calls.incrementAndGet(), Clock.systemUTC(),
            Duration.ofMillis(1500));
        RedisTokenRefresher one = track(builder(endpoint).minTimeToLive(Duration.ofSeconds(1)).build());
        RedisTokenRefresher two = track(builder(endpoint).minTimeToLive(Duration.ofSeconds(1)).build());

        AccessToken first = one.refresh(null);
        // 1.5s tokens against a 1s minTimeToLive: judged with half their lifetime, so the fleet takes them
        assertThat(two.refresh(null)).usingComparator(SAME_GRANT).isEqualTo(first);

        assertThat(calls).hasValue(1);
        assertThat(log).extracting(RedisFleetRisksTest::formatted).anySatisfy(line -> assertThat(line)
            .contains("tokens of key '" + key + "' live").contains("less than twice minTimeToLive=PT1S"));
    }

    // --- your own client -----------------------------------------------------------------------------------------

    @Test
    void clientPassedInIsSharedAndStillOpenAfterClose() throws Exception {
        RedisClient yours = RedisClient.create(redis.uri());
        closeables.add(() -> yours.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
        AccessToken first = token("first", Clock.systemUTC(), Duration.ofMinutes(1));
        RedisTokenRefresher writer = track(RedisTokenRefresher.builder(yours, key, current -> first).build());
        RedisTokenRefresher reader = track(RedisTokenRefresher.builder(yours, key,
            current -> token("unexpected", Clock.systemUTC(), Duration.ofMinutes(1))).build());

        assertThat(writer.refresh(null)).isEqualTo(first);
        assertThat(reader.refresh(null)).usingComparator(SAME_GRANT).isEqualTo(first);
        assertThat(writer.toString()).contains("redis=your RedisClient");
        writer.close();
        reader.close();

        try (StatefulRedisConnection<String, String> stillYours = yours.connect()) {
            assertThat(stillYours.sync().ping()).isEqualTo("PONG");
        }
    }
}
