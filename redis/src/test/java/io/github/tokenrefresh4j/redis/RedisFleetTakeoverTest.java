package io.github.tokenrefresh4j.redis;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefresher;
import io.github.tokenrefresh4j.redis.event.InterruptedRefreshEvent;
import io.github.tokenrefresh4j.redis.internal.SharedTokenStore.InFlight;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.LogRecord;

import static io.github.tokenrefresh4j.redis.RedisTokenRefresherTest.SAME_GRANT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A takeover says what it is doing (issue 20): the holder marks in Redis which refresh token it presents before
 * calling its delegate; the instance that takes over a refresh whose holder stopped presents the same refresh token
 * (or refuses, or uses a fallback), warns that it may already have been spent, and publishes an event. And a call
 * that runs out of time names what timed out.
 */
class RedisFleetTakeoverTest {

    private static InspectedRedis redis;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private List<LogRecord> log;
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
    void setUp(TestInfo test) {
        key = "tokens:" + test.getTestMethod().orElseThrow().getName();
        log = RedisFleetRisksTest.captureLog(closeables);
    }

    @AfterEach
    void cleanUp() throws Exception {
        threads.shutdownNow();
        threads.awaitTermination(10, TimeUnit.SECONDS);
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private RedisTokenRefresher track(RedisTokenRefresher refresher) {
        closeables.add(refresher);
        return refresher;
    }

    private RedisTokenRefresher.Builder builder(TokenRefresher delegate) {
        return RedisTokenRefresher.builder(redis.uri(), key, delegate)
            .waitTimeout(Duration.ofSeconds(30))
            .minTimeToLive(Duration.ZERO);
    }

    private static AccessToken token(String value) {
        return AccessToken.of(value, Instant.now().plusSeconds(60)).withRefreshToken("refresh-of-" + value);
    }

    private String hash() {
        return '{' + key + '}';
    }

    private List<String> warnings() {
        return log.stream().map(RedisFleetRisksTest::formatted).toList();
    }

    /** A mark as a holder that stopped 3s ago, presenting {@code presented}'s refresh token, would have left. */
    private void markLeftByAStoppedHolder(long generation, AccessToken presented) {
        long redisNow = Long.parseLong(redis.raw().time().get(0)) * 1000;
        redis.raw().set(hash() + ":inflight", generation + " " + InFlight.digest(presented) + " 4242@stopped-host "
            + (redisNow - 3000));
    }

    @Test
    void holderMarksWhichRefreshTokenItPresentsBeforeCallingTheDelegateAndStoreClearsIt() throws Exception {
        AccessToken first = token("first");
        AtomicInteger calls = new AtomicInteger();
        List<String> marksSeenInDelegate = new CopyOnWriteArrayList<>();
        RedisTokenRefresher refresher = track(builder(current -> {
            marksSeenInDelegate.add(redis.raw().get(hash() + ":inflight"));
            return calls.incrementAndGet() == 1 ? first : token("second");
        }).build());

        refresher.refresh(null);
        refresher.refresh(first);

        assertThat(marksSeenInDelegate).hasSize(2);
        assertThat(marksSeenInDelegate.get(0)).startsWith("0 - ");
        assertThat(marksSeenInDelegate.get(1)).startsWith("1 " + InFlight.digest(first) + " ")
            .contains(String.valueOf(ProcessHandle.current().pid()))
            .doesNotContain(first.refreshToken().orElseThrow()).doesNotContain(first.value());
        assertThat(redis.raw().exists(hash() + ":inflight")).as("cleared by the store").isZero();
        assertThat(warnings()).noneMatch(line -> line.contains("may already have been spent"));
    }

    @Test
    void failedDelegateClearsTheMarkSoTheNextHolderDoesNotWarn() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        RedisTokenRefresher refresher = track(builder(current -> {
            if (calls.incrementAndGet() == 1) {
                throw new IOException("token endpoint answered 503");
            }
            return token("after-failure");
        }).failureCooldown(Duration.ZERO).build());

        assertThatThrownBy(() -> refresher.refresh(null)).isInstanceOf(IOException.class);
        assertThat(redis.raw().exists(hash() + ":inflight")).isZero();
        assertThat(refresher.refresh(null).value()).isEqualTo("after-failure");
        assertThat(warnings()).noneMatch(line -> line.contains("may already have been spent"));
    }

    /** A hung holder past maxLockHold stops renewing: to the fleet it stopped during its refresh. */
    @Test
    void takeoverOfAStoppedHolderPresentsTheSameRefreshTokenWarnsAndPublishesAnEvent() throws Exception {
        AccessToken first = token("first");
        CountDownLatch hungInDelegate = new CountDownLatch(1);
        CountDownLatch releaseHung = new CountDownLatch(1);
        closeables.add(releaseHung::countDown);
        List<AccessToken> presentedBySurvivor = new CopyOnWriteArrayList<>();
        List<AccessToken> presentedByHolder = new CopyOnWriteArrayList<>();
        AtomicBoolean seeded = new AtomicBoolean();
        RedisTokenRefresher holder = track(builder(current -> {
            if (seeded.compareAndSet(false, true)) {
                return first;
            }
            presentedByHolder.add(current);
            hungInDelegate.countDown();
            releaseHung.await(30, TimeUnit.SECONDS);
            throw new IOException("the process is gone");
        }).lockTimeout(Duration.ofMillis(300)).maxLockHold(Duration.ofMillis(600)).build());
        RedisTokenRefresher survivor = track(builder(current -> {
            presentedBySurvivor.add(current);
            return token("taken-over");
        }).lockTimeout(Duration.ofMillis(300)).maxLockHold(Duration.ofMillis(600)).build());
        List<InterruptedRefreshEvent> events = new CopyOnWriteArrayList<>();
        survivor.getEventPublisher().onInterruptedRefresh(events::add);
        assertThat(holder.refresh(null)).isEqualTo(first);

        Future<AccessToken> hung = threads.submit(() -> holder.refresh(first));
        assertThat(hungInDelegate.await(10, TimeUnit.SECONDS)).isTrue();
        AccessToken takenOver = survivor.refresh(first);

        assertThat(takenOver.value()).isEqualTo("taken-over");
        assertThat(presentedBySurvivor).singleElement().usingComparator(SAME_GRANT)
            .isEqualTo(presentedByHolder.get(0));
        assertThat(warnings()).anySatisfy(line -> assertThat(line)
            .contains("taking over the refresh of key '" + key + "' (generation 1)")
            .contains("may already have been spent by the instance that stopped during its refresh")
            .contains("servers without one will refuse it and may revoke the grant")
            .doesNotContain(first.refreshToken().orElseThrow()));
        assertThat(events).singleElement().satisfies(event -> {
            assertThat(event.getKey()).isEqualTo(key);
            assertThat(event.getGeneration()).isEqualTo(1);
            assertThat(event.getAction()).isEqualTo(InterruptedRefreshPolicy.Action.PRESENT_SAME_REFRESH_TOKEN);
            assertThat(event.getStoppedInstance()).contains(String.valueOf(ProcessHandle.current().pid()));
        });
        releaseHung.countDown();
        assertThatThrownBy(() -> hung.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
    }

    @Test
    void refusePolicyPresentsNothingAndHoldsTheFleetOffForTheCooldown() throws Exception {
        AccessToken first = token("first");
        AtomicInteger calls = new AtomicInteger();
        RedisTokenRefresher refresher = track(builder(current -> calls.incrementAndGet() == 1 ? first
            : token("must-not-happen"))
            .interruptedRefresh(InterruptedRefreshPolicy.refuse())
            .failureCooldown(Duration.ofMinutes(1)).build());
        List<InterruptedRefreshEvent> events = new CopyOnWriteArrayList<>();
        refresher.getEventPublisher().onInterruptedRefresh(events::add);
        refresher.refresh(null);
        markLeftByAStoppedHolder(1, first);

        assertThatThrownBy(() -> refresher.refresh(first)).isInstanceOf(RedisTokenRefreshException.class)
            .hasMessageContaining("instance 4242@stopped-host stopped during its refresh of generation 1")
            .hasMessageContaining("interruptedRefresh=refuse")
            .hasMessageNotContaining(first.refreshToken().orElseThrow());
        assertThatThrownBy(() -> refresher.refresh(first)).isInstanceOf(RedisTokenRefreshException.class)
            .hasMessageContaining("holds off for its failureCooldown");

        assertThat(calls).as("token endpoint calls").hasValue(1);
        assertThat(events).singleElement().extracting(InterruptedRefreshEvent::getAction)
            .isEqualTo(InterruptedRefreshPolicy.Action.REFUSE);
        assertThat(redis.raw().exists(hash() + ":inflight")).as("the mark stays for the next holder").isOne();
        assertThat(refresher.toString()).contains("interruptedRefresh=refuse");
    }

    @Test
    void writeBackAfterTheTokenIsLostKeepsTheMarkSoTheSpentRefreshTokenIsNotPresentedSilently() throws Exception {
        AccessToken first = token("first");
        AtomicInteger calls = new AtomicInteger();
        RedisTokenRefresher refresher = track(builder(current -> calls.incrementAndGet() == 1 ? first
            : token("must-not-happen"))
            .interruptedRefresh(InterruptedRefreshPolicy.refuse())
            .failureCooldown(Duration.ZERO).build());
        refresher.refresh(null);
        markLeftByAStoppedHolder(1, first);
        // the token is lost (an operator deletes it, or a rollback drops it) while the mark of the stopped holder
        // stays: this instance writes generation 1 back, and the refresh token of generation 1 is still in doubt
        redis.raw().del(hash());

        assertThatThrownBy(() -> refresher.refresh(first)).isInstanceOf(RedisTokenRefreshException.class)
            .hasMessageContaining("interruptedRefresh=refuse")
            // deleting the key alone is no recovery: this very write-back brings the token back
            .hasMessageContaining("delete the key and its in-flight mark ('" + hash() + ":inflight') and restart "
                + "the instances");
        assertThat(calls).as("token endpoint calls").hasValue(1);
        assertThat(redis.raw().hget(hash(), "generation")).as("written back").isEqualTo("1");
        assertThat(redis.raw().exists(hash() + ":inflight")).as("the write-back keeps the mark").isOne();
    }

    @Test
    void fallbackPolicyAsksTheFallbackRefresherInsteadOfPresentingTheRefreshToken() throws Exception {
        AccessToken first = token("first");
        AtomicInteger delegateCalls = new AtomicInteger();
        List<AccessToken> fallbackGot = new CopyOnWriteArrayList<>();
        RedisTokenRefresher refresher = track(builder(current -> {
            delegateCalls.incrementAndGet();
            return first;
        }).interruptedRefresh(InterruptedRefreshPolicy.fallbackTo(current -> {
            fallbackGot.add(current);
            return token("client-credentials");
        })).build());
        refresher.refresh(null);
        markLeftByAStoppedHolder(1, first);

        assertThat(refresher.refresh(first).value()).isEqualTo("client-credentials");

        assertThat(delegateCalls).hasValue(1);
        assertThat(fallbackGot).containsExactly((AccessToken) null);
        assertThat(redis.raw().hget(hash(), "generation")).isEqualTo("2");
        assertThat(redis.raw().exists(hash() + ":inflight")).isZero();
    }

    @Test
    void failedFallbackKeepsTheMarkSoTheNextHolderDoesNotPresentTheDoubtfulRefreshToken() throws Exception {
        AccessToken first = token("first");
        AtomicInteger delegateCalls = new AtomicInteger();
        AtomicInteger fallbackCalls = new AtomicInteger();
        RedisTokenRefresher refresher = track(builder(current -> {
            delegateCalls.incrementAndGet();
            return current == null ? first : token("presented-the-doubtful-refresh-token");
        }).failureCooldown(Duration.ZERO).interruptedRefresh(InterruptedRefreshPolicy.fallbackTo(current -> {
            if (fallbackCalls.incrementAndGet() == 1) {
                throw new IOException("token endpoint answered 503");
            }
            return token("client-credentials");
        })).build());
        refresher.refresh(null);
        markLeftByAStoppedHolder(1, first);

        assertThatThrownBy(() -> refresher.refresh(first)).isInstanceOf(IOException.class);
        // the fallback presented no refresh token: the one the stopped holder presented is as doubtful as before
        assertThat(redis.raw().exists(hash() + ":inflight")).as("the mark stays").isOne();
        assertThat(refresher.refresh(first).value()).isEqualTo("client-credentials");

        assertThat(delegateCalls).as("the delegate is never asked again").hasValue(1);
        assertThat(fallbackCalls).hasValue(2);
    }

    /** The event's time is the refresher's clock, as every other time the refresher reads (issue 20). */
    @Test
    void interruptedRefreshEventIsStampedByTheRefreshersClock() throws Exception {
        Instant fixed = Instant.parse("2031-02-03T04:05:06Z");
        AccessToken first = token("first");
        AtomicInteger calls = new AtomicInteger();
        RedisTokenRefresher refresher = track(builder(current -> calls.incrementAndGet() == 1 ? first
            : token("second")).clock(Clock.fixed(fixed, ZoneOffset.UTC)).build());
        List<InterruptedRefreshEvent> events = new CopyOnWriteArrayList<>();
        refresher.getEventPublisher().onInterruptedRefresh(events::add);
        refresher.refresh(null);
        markLeftByAStoppedHolder(1, first);

        assertThat(refresher.refresh(first).value()).isEqualTo("second");
        assertThat(events).singleElement().extracting(event -> event.getCreationTime().toInstant())
            .isEqualTo(fixed);
    }

    @Test
    void markForAnotherRefreshTokenIsNoTakeover() throws Exception {
        AccessToken first = token("first");
        AtomicInteger calls = new AtomicInteger();
        RedisTokenRefresher refresher = track(builder(current -> calls.incrementAndGet() == 1 ? first
            : token("second")).interruptedRefresh(InterruptedRefreshPolicy.refuse()).build());
        refresher.refresh(null);
        markLeftByAStoppedHolder(1, token("someone-else"));

        assertThat(refresher.refresh(first).value()).isEqualTo("second");
        assertThat(warnings()).noneMatch(line -> line.contains("may already have been spent"));
    }

    @Test
    void policiesAreCheckedAtBuildTime() {
        assertThatThrownBy(() -> builder(current -> null).interruptedRefresh(null))
            .isInstanceOf(NullPointerException.class).hasMessageContaining("interruptedRefresh");
        assertThatThrownBy(() -> InterruptedRefreshPolicy.fallbackTo(null))
            .isInstanceOf(NullPointerException.class).hasMessageContaining("fallback");
    }

    /**
     * Say Redis only when Redis is at fault: Redis answered the read, then stopped answering (frozen) until the
     * deadline. The message names the wait that ran out, and says Redis had answered, instead of "Redis was
     * unavailable for waitTimeout".
     */
    @Test
    void timeoutNamesWhatTimedOutAndThatRedisHadAnswered() throws Exception {
        AtomicBoolean freezeNow = new AtomicBoolean();
        try (RedisServer freezing = RedisServer.start()) {
            Clock clock = new Clock() {
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
                    if (freezeNow.compareAndSet(true, false)) {
                        try {
                            freezing.freeze();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    return Instant.now();
                }
            };
            AccessToken first = token("first");
            try (RedisTokenRefresher refresher = RedisTokenRefresher.builder(freezing.uri(), key, current -> first)
                .clock(clock).waitTimeout(Duration.ofSeconds(5)).minTimeToLive(Duration.ZERO).build()) {
                refresher.refresh(null);
                // the clock is read right after the next read's reply: Redis freezes between the read and the lock
                freezeNow.set(true);
                assertThatThrownBy(() -> refresher.refresh(first)).isInstanceOf(RedisTokenRefreshException.class)
                    .hasMessageContaining("the call's deadline passed while waiting for a reply from Redis at "
                        + "127.0.0.1:" + freezing.port())
                    .hasMessageContaining("had answered 1 time(s) earlier in this call")
                    .hasMessageNotContaining("was unavailable");
            } finally {
                freezing.thaw();
            }
        }
    }
}
