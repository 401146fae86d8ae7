package io.github.tokenrefresh4j.micrometer;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.ManualScheduler;
import io.github.tokenrefresh4j.MutableClock;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefresher;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class TokenRefreshObservationsTest {

    private static final Duration LIFETIME = Duration.ofHours(1);

    private final TestObservationRegistry registry = TestObservationRegistry.create();
    private final List<Observation.Context> started = new CopyOnWriteArrayList<>();
    /**
     * Stopped observations. A refresh observation (and its waits) is stopped by the decorator's success or failure
     * event, which the refresh's thread publishes after it released the calls: a test waits for them.
     */
    private final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final AtomicInteger issued = new AtomicInteger();
    private final ExecutorService callers = Executors.newFixedThreadPool(64);

    TokenRefreshObservationsTest() {
        registry.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }

            @Override
            public void onStart(Observation.Context context) {
                started.add(context);
            }

            @Override
            public void onStop(Observation.Context context) {
                stopped.add(context);
            }
        });
    }

    @AfterEach
    void stopCallers() throws InterruptedException {
        callers.shutdownNow();
        assertThat(callers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private AccessToken newToken() {
        return AccessToken.of("secret-token-" + issued.incrementAndGet(), clock.instant().plus(LIFETIME));
    }

    private TokenRefreshConfig config() {
        return TokenRefreshConfig.custom().clock(clock).refreshAhead(Duration.ofMinutes(10)).build();
    }

    private List<Observation.Context> named(String name) {
        return stopped.stream().filter(c -> c.getName().equals(name)).collect(Collectors.toList());
    }

    /** The stopped observations of this name, once there are {@code count}. */
    private List<Observation.Context> awaitNamed(String name, int count) {
        await().atMost(Duration.ofSeconds(20)).until(() -> named(name).size() >= count);
        return named(name);
    }

    /** Observations of this name started so far: exact as soon as the call that started them returned. */
    private List<Observation.Context> startedNamed(String name) {
        return started.stream().filter(c -> c.getName().equals(name)).collect(Collectors.toList());
    }

    private static String key(Observation.Context context, String key) {
        KeyValue value = context.getLowCardinalityKeyValue(key);
        return value == null ? null : value.getValue();
    }

    private static boolean childOf(Observation.Context context, Observation parent) {
        return context.getParentObservation() != null
            && context.getParentObservation().getContextView() == parent.getContext();
    }

    private <T> T inRequest(String name, java.util.function.Function<Observation, T> call) {
        Observation request = Observation.createNotStarted(name, registry).start();
        try (Observation.Scope ignored = request.openScope()) {
            return call.apply(request);
        } finally {
            request.stop();
        }
    }

    @Test
    void refreshOfAnExpiredTokenIsAChildOfTheCallThatFoundIt() {
        TokenRefreshDecorator tokens = TokenRefreshObservations.of(registry)
            .decorator("orders-api", config(), current -> newToken());
        tokens.executeFunction(AccessToken::value); // the initial token, outside any request
        awaitNamed(TokenRefreshObservations.REFRESH_OBSERVATION, 1);
        clock.advance(LIFETIME.plusSeconds(1));

        Observation request = inRequest("http.request", r -> {
            tokens.executeFunction(AccessToken::value);
            return r;
        });

        List<Observation.Context> refreshes = awaitNamed(TokenRefreshObservations.REFRESH_OBSERVATION, 2);
        assertThat(refreshes).hasSize(2);
        Observation.Context initial = refreshes.get(0);
        assertThat(initial.getParentObservation()).isNull();
        assertThat(key(initial, "reason")).isEqualTo("initial");
        Observation.Context expired = refreshes.get(1);
        assertThat(childOf(expired, request)).isTrue();
        assertThat(key(expired, "name")).isEqualTo("orders-api");
        assertThat(key(expired, "outcome")).isEqualTo("successful");
        assertThat(key(expired, "reason")).isEqualTo("expired");
        assertThat(startedNamed(TokenRefreshObservations.WAIT_OBSERVATION)).isEmpty();
        assertNoTokenValueIn(stopped);
    }

    @Test
    void concurrentCallsMakeOneRefreshObservationAndOneWaitForEachOtherCall() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Observation> starter = new AtomicReference<>();
        TokenRefreshDecorator tokens = TokenRefreshObservations.of(registry)
            .decorator("orders-api", config(), current -> {
                release.await();
                return newToken();
            });
        List<Observation> requests = new CopyOnWriteArrayList<>();
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> inRequest("http.request", r -> {
                requests.add(r);
                return tokens.executeFunction(AccessToken::value);
            }), callers));
        }
        // every call is in: one started the refresh, 63 joined it while the refresher is held
        await().atMost(Duration.ofSeconds(20)).until(() -> tokens.getMetrics().getNumberOfCoalescedCalls() == 63);
        release.countDown();
        for (CompletableFuture<String> call : calls) {
            assertThat(call.get(20, TimeUnit.SECONDS)).isEqualTo("secret-token-1");
        }

        // the refresh's event stops its observation, then the waits
        List<Observation.Context> refreshes = awaitNamed(TokenRefreshObservations.REFRESH_OBSERVATION, 1);
        List<Observation.Context> waits = awaitNamed(TokenRefreshObservations.WAIT_OBSERVATION, 63);
        assertThat(refreshes).hasSize(1);
        assertThat(waits).hasSize(63);
        assertThat(requests).hasSize(64);
        assertThat(requests).filteredOn(r -> childOf(refreshes.get(0), r)).hasSize(1);
        for (Observation.Context wait : waits) {
            assertThat(requests).filteredOn(r -> childOf(wait, r)).hasSize(1);
            assertThat(key(wait, "name")).isEqualTo("orders-api");
            assertThat(key(wait, "outcome")).isEqualTo("successful");
        }
        // each request has exactly one of: the refresh or a wait
        for (Observation r : requests) {
            long children = stopped.stream().filter(c -> c.getName().startsWith("tokenrefresh.") && childOf(c, r))
                .count();
            assertThat(children).isEqualTo(1);
        }
        assertNoTokenValueIn(stopped);
    }

    @Test
    void refreshAheadIsItsOwnRoot() {
        TokenRefreshDecorator tokens = TokenRefreshObservations.of(registry)
            .decorator("orders-api", config(), current -> newToken());
        tokens.executeFunction(AccessToken::value);
        awaitNamed(TokenRefreshObservations.REFRESH_OBSERVATION, 1); // the initial one comes first
        clock.advance(LIFETIME.minusMinutes(5)); // inside the 10 min refresh-ahead window

        String used = inRequest("http.request", r -> tokens.executeFunction(AccessToken::value));

        assertThat(used).isEqualTo("secret-token-1"); // the call went on with the old token
        await().atMost(Duration.ofSeconds(20))
            .until(() -> named(TokenRefreshObservations.REFRESH_OBSERVATION).size() == 2);
        Observation.Context ahead = named(TokenRefreshObservations.REFRESH_OBSERVATION).get(1);
        assertThat(key(ahead, "reason")).isEqualTo("ahead");
        assertThat(ahead.getParentObservation()).isNull();
    }

    @Test
    void rejectedTokenRefreshIsAChildOfTheRejectedCall() {
        TokenRefreshDecorator tokens = TokenRefreshObservations.of(registry).decorator("orders-api",
            TokenRefreshConfig.from(config()).refreshOnResult("401"::equals).build(), current -> newToken());
        tokens.executeFunction(AccessToken::value);
        awaitNamed(TokenRefreshObservations.REFRESH_OBSERVATION, 1); // the initial one comes first
        AtomicInteger attempts = new AtomicInteger();

        Observation request = inRequest("http.request", r -> {
            tokens.executeFunction(token -> attempts.incrementAndGet() == 1 ? "401" : "200");
            return r;
        });

        Observation.Context rejected = awaitNamed(TokenRefreshObservations.REFRESH_OBSERVATION, 2).get(1);
        assertThat(key(rejected, "reason")).isEqualTo("rejected");
        assertThat(childOf(rejected, request)).isTrue();
    }

    @Test
    void failedRefreshIsObservedAsFailedWithoutTheRefreshersException() {
        TokenRefresher failing = current -> {
            throw new IllegalStateException("endpoint said secret-token-9 is bad");
        };
        TokenRefreshDecorator tokens = TokenRefreshObservations.of(registry).decorator("orders-api", config(), failing);

        assertThatThrownBy(() -> inRequest("http.request", r -> tokens.executeFunction(AccessToken::value)))
            .isInstanceOf(TokenRefreshException.class);

        Observation.Context failed = awaitNamed(TokenRefreshObservations.REFRESH_OBSERVATION, 1).get(0);
        assertThat(key(failed, "outcome")).isEqualTo("failed");
        assertThat(key(failed, "reason")).isEqualTo("initial");
        assertThat(failed.getError()).isNull();
        assertNoTokenValueIn(stopped);
    }

    @Test
    void timedOutRefreshEndsAtTheTimeoutAsFailedWithItsWaitsAndItsLateTokenAddsNoSecondObservation()
        throws Exception {
        ManualScheduler scheduler = new ManualScheduler();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        TokenRefreshDecorator tokens = TokenRefreshObservations.of(registry).decorator("orders-api",
            TokenRefreshConfig.from(config()).scheduler(scheduler).build(), current -> {
                started.countDown();
                release.await();
                return newToken();
            });
        CompletableFuture<String> first = CompletableFuture.supplyAsync(
            () -> inRequest("http.request", r -> tokens.executeFunction(AccessToken::value)), callers);
        assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<String> second = CompletableFuture.supplyAsync(
            () -> inRequest("http.request", r -> tokens.executeFunction(AccessToken::value)), callers);
        await().atMost(Duration.ofSeconds(20)).until(() -> tokens.getMetrics().getNumberOfCoalescedCalls() == 1);

        scheduler.takeScheduled().run(); // the refresh timeout fires while the refresher still runs

        for (CompletableFuture<String> call : List.of(first, second)) {
            assertThatThrownBy(() -> call.get(20, TimeUnit.SECONDS)).hasCauseInstanceOf(TokenRefreshException.class);
        }
        // the timeout's failure event, published after it released the calls, stops the refresh, then its wait
        Observation.Context refresh = awaitNamed(TokenRefreshObservations.REFRESH_OBSERVATION, 1).get(0);
        assertThat(key(refresh, "outcome")).isEqualTo("failed");
        assertThat(awaitNamed(TokenRefreshObservations.WAIT_OBSERVATION, 1)).singleElement()
            .satisfies(wait -> assertThat(key(wait, "outcome")).isEqualTo("failed"));

        release.countDown(); // its late token is installed: no second refresh observation
        await().atMost(Duration.ofSeconds(20)).until(() -> tokens.getMetrics().getNumberOfSuccessfulRefreshes() == 1);
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("secret-token-1");
        assertThat(issued).as("one refresher call").hasValue(1);
        assertThat(startedNamed(TokenRefreshObservations.REFRESH_OBSERVATION)).hasSize(1);
    }

    @Test
    void noopRegistryBuildsTheDecoratorAsWithoutObservations() {
        TokenRefreshConfig config = config();
        TokenRefreshDecorator tokens = TokenRefreshObservations.of(ObservationRegistry.NOOP)
            .decorator("orders-api", config, current -> newToken());

        assertThat(tokens.getTokenRefreshConfig()).isSameAs(config);
        tokens.executeFunction(AccessToken::value);
        assertThat(stopped).isEmpty();
    }

    @Test
    void anEntryTheRegistryAlreadyHeldIsReturnedAsItIs() {
        io.github.tokenrefresh4j.TokenRefreshRegistry tokenRefreshRegistry =
            io.github.tokenrefresh4j.TokenRefreshRegistry.of(config());
        TokenRefreshObservations observations = TokenRefreshObservations.of(registry);
        TokenRefreshDecorator first = observations.tokenRefresh(tokenRefreshRegistry, "orders-api", c -> newToken());
        TokenRefreshDecorator again = observations.tokenRefresh(tokenRefreshRegistry, "orders-api", c -> newToken());

        assertThat(again).isSameAs(first);
        again.executeFunction(AccessToken::value);
        // observed once, not twice: a second wrapping would have started its own observation within the call
        assertThat(startedNamed(TokenRefreshObservations.REFRESH_OBSERVATION)).hasSize(1);
    }

    private static void assertNoTokenValueIn(List<Observation.Context> contexts) {
        for (Observation.Context context : contexts) {
            String all = context.getName() + context.getContextualName() + context.getAllKeyValues()
                + context.getParentObservation() + context.getError();
            assertThat(all).doesNotContain("secret-token");
        }
    }
}
