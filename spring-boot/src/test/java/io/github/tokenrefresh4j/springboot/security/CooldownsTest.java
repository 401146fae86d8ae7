package io.github.tokenrefresh4j.springboot.security;

import io.github.resilience4j.core.IntervalFunction;
import io.github.tokenrefresh4j.TokenRefreshException;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.client.ClientAuthorizationException;
import org.springframework.security.oauth2.client.ClientAuthorizationRequiredException;
import org.springframework.security.oauth2.core.OAuth2Error;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The failure cooldown of Spring's path: which failures start it, per key, and how its state stays bounded. */
class CooldownsTest {

    private static final IntervalFunction THIRTY_SECONDS = IntervalFunction.of(Duration.ofSeconds(30));
    private static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");

    @Test
    void aFailedTokenRequestRefusesItsKeyOnlyUntilTheCooldownEnds() {
        Cooldowns cooldowns = new Cooldowns();
        ClientAuthorizationException unavailable = failure("invalid_token_response");
        cooldowns.ended(key("alice"), unavailable, THIRTY_SECONDS, NOW);

        RuntimeException refusal = cooldowns.refusal(key("alice"), NOW.plusSeconds(29));
        assertThat(refusal).isInstanceOf(ClientAuthorizationException.class).isInstanceOf(Cooldowns.Refusal.class)
            .hasCause(unavailable);
        assertThat(((ClientAuthorizationException) refusal).getError().getErrorCode())
            .isEqualTo("invalid_token_response");
        assertThat(((ClientAuthorizationException) refusal).getClientRegistrationId()).isEqualTo("orders");
        assertThat(cooldowns.refusal(key("bob"), NOW.plusSeconds(1))).as("another principal").isNull();
        assertThat(cooldowns.refusal(key("alice"), NOW.plusSeconds(30))).as("after the cooldown").isNull();
    }

    @Test
    void aTimedOutReactiveTokenRequestStartsACooldownOfItsKind() {
        Cooldowns cooldowns = new Cooldowns();
        cooldowns.ended(key("alice"), new TokenRefreshException("cancelled after 10s", null), THIRTY_SECONDS, NOW);

        assertThat(cooldowns.refusal(key("alice"), NOW)).isInstanceOf(TokenRefreshException.class);
    }

    @Test
    void failuresAfterWhichSpringRemovesTheClientOrAsksForALoginStartNoCooldown() {
        Cooldowns cooldowns = new Cooldowns();
        cooldowns.ended(key("alice"), failure("invalid_grant"), THIRTY_SECONDS, NOW);
        cooldowns.ended(key("bob"), failure("invalid_token"), THIRTY_SECONDS, NOW);
        cooldowns.ended(key("carol"), new ClientAuthorizationRequiredException("orders"), THIRTY_SECONDS, NOW);
        cooldowns.ended(key("dave"), new IllegalArgumentException("no such registration"), THIRTY_SECONDS, NOW);

        assertThat(cooldowns.size()).isZero();
    }

    @Test
    void aSessionsKeyKeepsItsCooldownAndAnotherSessionIsNotRefused() {
        Cooldowns cooldowns = new Cooldowns();
        cooldowns.ended(sessionKey("s1"), failure("invalid_token_response"), THIRTY_SECONDS, NOW);

        assertThat(cooldowns.refusal(sessionKey("s1"), NOW.plusSeconds(1))).isNotNull();
        assertThat(cooldowns.refusal(sessionKey("s2"), NOW.plusSeconds(1))).isNull();
    }

    @Test
    void aRequestsOwnKeyKeepsNoCooldown() {
        Cooldowns cooldowns = new Cooldowns();
        Flights.Key perRequest = new Flights.Key("orders", "alice", null, Map.of(), new Object());
        cooldowns.ended(perRequest, failure("invalid_token_response"), THIRTY_SECONDS, NOW);

        assertThat(cooldowns.size()).isZero();
    }

    @Test
    void aSuccessEndsTheCooldownAndTheStateIsBounded() {
        Cooldowns cooldowns = new Cooldowns();
        cooldowns.ended(key("alice"), failure("invalid_token_response"), THIRTY_SECONDS, NOW);
        cooldowns.ended(key("alice"), null, THIRTY_SECONDS, NOW.plusSeconds(31));
        assertThat(cooldowns.size()).isZero();

        for (int i = 0; i < Cooldowns.MAX_KEYS + 100; i++) {
            cooldowns.ended(key("user" + i), failure("invalid_token_response"), THIRTY_SECONDS, NOW.plusMillis(i));
        }
        assertThat(cooldowns.size()).isLessThanOrEqualTo(Cooldowns.MAX_KEYS);
        assertThat(cooldowns.refusal(key("user" + (Cooldowns.MAX_KEYS + 99)), NOW.plusSeconds(1)))
            .as("the latest keeps its cooldown").isNotNull();
        assertThat(cooldowns.refusal(key("user0"), NOW.plusSeconds(1))).as("the soonest to end went first").isNull();
    }

    @Test
    void aFullMapOfCooldownsInForceMakesRoomForATenthOfTheBoundAtOnceNotOneKeyPerFailure() {
        Cooldowns cooldowns = new Cooldowns();
        for (int i = 0; i < Cooldowns.MAX_KEYS; i++) {
            cooldowns.ended(key("user" + i), failure("invalid_token_response"), THIRTY_SECONDS, NOW.plusMillis(i));
        }
        // full, every cooldown in force: the next failure scans the map once and evicts the soonest tenth, so the
        // failures after it (an outage over many principals, maybe on an event loop) scan nothing
        cooldowns.ended(key("late0"), failure("invalid_token_response"), THIRTY_SECONDS, NOW.plusSeconds(1));
        assertThat(cooldowns.size()).isEqualTo(Cooldowns.MAX_KEYS - Cooldowns.MAX_KEYS / 10 + 1);
        assertThat(cooldowns.refusal(key("user" + (Cooldowns.MAX_KEYS / 10 - 1)), NOW.plusSeconds(1))).isNull();
        assertThat(cooldowns.refusal(key("user" + Cooldowns.MAX_KEYS / 10), NOW.plusSeconds(1))).isNotNull();
        for (int i = 1; i < Cooldowns.MAX_KEYS / 10; i++) {
            cooldowns.ended(key("late" + i), failure("invalid_token_response"), THIRTY_SECONDS, NOW.plusSeconds(1));
        }
        assertThat(cooldowns.size()).isEqualTo(Cooldowns.MAX_KEYS);
        assertThat(cooldowns.refusal(key("user" + Cooldowns.MAX_KEYS / 10), NOW.plusSeconds(1)))
            .as("no eviction until the map is full again").isNotNull();
    }

    @Test
    void concurrentFailuresAtTheBoundEvictAndStayBounded() throws Exception {
        Cooldowns cooldowns = new Cooldowns();
        int threads = 4;
        int perThread = Cooldowns.MAX_KEYS / 2;
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        cooldowns.ended(key("t" + thread + "-" + i), failure("invalid_token_response"),
                            THIRTY_SECONDS, NOW.plusMillis(i));
                        if (cooldowns.size() > Cooldowns.MAX_KEYS + threads) {
                            throw new AssertionError("size " + cooldowns.size());
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get(120, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(cooldowns.size()).isLessThanOrEqualTo(Cooldowns.MAX_KEYS + threads);
        for (int t = 0; t < threads; t++) {
            assertThat(cooldowns.refusal(key("t" + t + "-" + (perThread - 1)), NOW.plusSeconds(1)))
                .as("each thread's latest keeps its cooldown").isNotNull();
        }
    }

    private static Flights.Key key(String principal) {
        return new Flights.Key("orders", principal, null, Map.of(), Partitions.BY_PRINCIPAL);
    }

    private static Flights.Key sessionKey(String sessionId) {
        return new Flights.Key("orders", "anonymousUser", null, Map.of(),
            new Partitions.SessionPartition(sessionId, null));
    }

    private static ClientAuthorizationException failure(String errorCode) {
        return new ClientAuthorizationException(new OAuth2Error(errorCode), "orders", "the token request failed");
    }
}
