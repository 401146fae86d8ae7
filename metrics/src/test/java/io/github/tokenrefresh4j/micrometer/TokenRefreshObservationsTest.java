package io.github.tokenrefresh4j.micrometer;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.ManualScheduler;
import io.github.tokenrefresh4j.MutableClock;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefresher;
import io.github.tokenrefresh4j.event.TokenRefreshEvent;
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

    /**
     * The observations named {@code name} once exactly {@code count} have stopped: they end on the decorator's events,
     * published on the thread that ended the refresh just after it released the calls (issue 19).
     */
    private List<Observation.Context> awaitStopped(String name, int count) {
        await().atMost(Duration.ofSeconds(20)).until(() -> named(name).size() == count);
        return named(name);
    }

    /** The initial token, once its refresh observation has ended. */
    private void initialToken(TokenRefreshDecorator tokens) {
        tokens.executeFunction(AccessToken::value);
        awaitStopped(TokenRefreshObservations.REFRESH_OBSERVATION, 1);
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
        initialToken(tokens); // outside any request
        clock.advance(LIFETIME.plusSeconds(1));

        Observation request = inRequest("http.request", r -> {
            tokens.executeFunction(AccessToken::value);
            return r;
        });

        List<Observation.Context> refreshes = awaitStopped(TokenRefreshObservations.REFRESH_OBSERVATION, 2);
        assertThat(refreshes).hasSize(2);
        Observation.Context initial = refreshes.get(0);
        assertThat(initial.getParentObservation()).isNull();
        assertThat(key(initial, "reason")).isEqualTo("initial");
        Observation.Context expired = refreshes.get(1);
        assertThat(childOf(expired, request)).isTrue();
        assertThat(key(expired, "name")).isEqualTo("orders-api");
        assertThat(key(expired, "outcome")).isEqualTo("successful");
        assertThat(key(expired, "reason")).isEqualTo("expired");
        assertThat(named(TokenRefreshObservations.WAIT_OBSERVATION)).isEmpty();
        assertNoTokenValueIn(stopped);
    }

    @Test
    void concurrentCallsMakeOneRefreshObservationAndOneWaitForEachOtherCall() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Observation> starter = new AtomicReference<>();
        // the refresh timeout never fires (a manual scheduler): on a busy machine the 64 calls may take long to join
        TokenRefreshDecorator tokens = TokenRefreshObservations.of(registry).decorator("orders-api",
            TokenRefreshConfig.from(config()).scheduler(new ManualScheduler()).build(), current -> {
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

        List<Observation.Context> refreshes = awaitStopped(TokenRefreshObservations.REFRESH_OBSERVATION, 1);
        List<Observation.Context> waits = awaitStopped(TokenRefreshObservations.WAIT_OBSERVATION, 63);
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
        initialToken(tokens);
        clock.advance(LIFETIME.minusMinutes(5)); // inside the 10 min refresh-ahead window

        String used = inRequest("http.request", r -> tokens.executeFunction(AccessToken::value));

        assertThat(used).isEqualTo("secret-token-1"); // the call went on with the old token
        Observation.Context ahead = awaitStopped(TokenRefreshObservations.REFRESH_OBSERVATION, 2).get(1);
        assertThat(key(ahead, "reason")).isEqualTo("ahead");
        assertThat(ahead.getParentObservation()).isNull();
    }

    @Test
    void rejectedTokenRefreshIsAChildOfTheRejectedCall() {
        TokenRefreshDecorator tokens = TokenRefreshObservations.of(registry).decorator("orders-api",
            TokenRefreshConfig.from(config()).refreshOnResult("401"::equals).build(), current -> newToken());
        initialToken(tokens);
        AtomicInteger attempts = new AtomicInteger();

        Observation request = inRequest("http.request", r -> {
            tokens.executeFunction(token -> attempts.incrementAndGet() == 1 ? "401" : "200");
            return r;
        });

        Observation.Context rejected = awaitStopped(TokenRefreshObservations.REFRESH_OBSERVATION, 2).get(1);
        assertThat(key(rejected, "reason")).isEqualTo("rejected");
        assertThat(childOf(rejected, request)).isTrue();
    }

    @Test
    void aRejectionThatJoinsARunningRefreshDoesNotMakeTheNextRefreshAheadAChild() throws Exception {
        CountDownLatch refreshing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        TokenRefreshDecorator tokens = TokenRefreshObservations.of(registry).decorator("orders-api",
            TokenRefreshConfig.from(config()).refreshOnResult("401"::equals).build(), current -> {
                if (issued.get() == 1) { // the refresh of the rejected token
                    refreshing.countDown();
                    release.await();
                }
                return newToken();
            });
        initialToken(tokens);
        CountDownLatch secondHoldsTheOldToken = new CountDownLatch(1);
        CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> tokens.executeFunction(token -> {
            if (!token.value().equals("secret-token-1")) {
                return "200";
            }
            secondHoldsTheOldToken.countDown();
            try {
                refreshing.await(); // its 401 comes while the refresh the first call's 401 started runs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "401";
        }), callers);
        assertThat(secondHoldsTheOldToken.await(20, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> tokens.executeFunction(
            token -> token.value().equals("secret-token-1") ? "401" : "200"), callers);
        await().atMost(Duration.ofSeconds(20)).until(() -> tokens.getMetrics().getNumberOfCoalescedCalls() == 1);
        release.countDown();
        assertThat(first.get(20, TimeUnit.SECONDS)).isEqualTo("200");
        assertThat(second.get(20, TimeUnit.SECONDS)).isEqualTo("200");
        awaitStopped(TokenRefreshObservations.REFRESH_OBSERVATION, 2);

        clock.advance(LIFETIME.minusMinutes(5)); // the new token is in its refresh-ahead window
        String used = inRequest("http.request", r -> tokens.executeFunction(AccessToken::value));
        assertThat(used).isEqualTo("secret-token-2");

        Observation.Context ahead = awaitStopped(TokenRefreshObservations.REFRESH_OBSERVATION, 3).get(2);
        assertThat(key(ahead, "reason")).isEqualTo("ahead");
        assertThat(ahead.getParentObservation()).isNull();
    }

    @Test
    void aRefreshsEventPublishedAfterTheNextRefreshStartedDoesNotEndTheNextOne() throws Exception {
        CountDownLatch nextStarted = new CountDownLatch(1);
        CountDownLatch releaseNext = new CountDownLatch(1);
        TokenRefreshDecorator tokens = TokenRefreshObservations.of(registry).decorator("orders-api", config(),
            current -> {
                if (current != null) { // the refresh after invalidate()
                    nextStarted.countDown();
                    releaseNext.await();
                }
                return newToken();
            });
        // consumers of every event run before the typed ones (the observations' own): the initial refresh's event
        // is held, after that refresh released its call, until the next refresh runs
        tokens.getEventPublisher().onEvent(event -> {
            if (event.getEventType() == TokenRefreshEvent.Type.REFRESH_SUCCEEDED && nextStarted.getCount() == 1) {
                try {
                    nextStarted.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        CountDownLatch initialPublished = new CountDownLatch(1);
        tokens.getEventPublisher().onRefreshSucceeded(event -> initialPublished.countDown()); // after the observations'

        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("secret-token-1");
        tokens.invalidate();
        CompletableFuture<String> next = CompletableFuture.supplyAsync(
            () -> inRequest("http.request", r -> tokens.executeFunction(AccessToken::value)), callers);
        assertThat(initialPublished.await(20, TimeUnit.SECONDS)).isTrue();

        // the initial refresh's event ended the initial refresh only: the next one still runs
        assertThat(named(TokenRefreshObservations.REFRESH_OBSERVATION)).singleElement()
            .satisfies(initial -> {
                assertThat(key(initial, "reason")).isEqualTo("initial");
                assertThat(initial.getParentObservation()).isNull(); // not the next one, a child of its request
            });
        releaseNext.countDown();
        assertThat(next.get(20, TimeUnit.SECONDS)).isEqualTo("secret-token-2");
        Observation.Context invalidated = awaitStopped(TokenRefreshObservations.REFRESH_OBSERVATION, 2).get(1);
        assertThat(key(invalidated, "reason")).isEqualTo("invalidated");
        assertThat(key(invalidated, "outcome")).isEqualTo("successful");
    }

    @Test
    void failedRefreshIsObservedAsFailedWithoutTheRefreshersException() {
        TokenRefresher failing = current -> {
            throw new IllegalStateException("endpoint said secret-token-9 is bad");
        };
        TokenRefreshDecorator tokens = TokenRefreshObservations.of(registry).decorator("orders-api", config(), failing);

        assertThatThrownBy(() -> inRequest("http.request", r -> tokens.executeFunction(AccessToken::value)))
            .isInstanceOf(TokenRefreshException.class);

        Observation.Context failed = awaitStopped(TokenRefreshObservations.REFRESH_OBSERVATION, 1).get(0);
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
        // the timeout's event, published on its thread just after it released the calls, ends both
        Observation.Context refresh = awaitStopped(TokenRefreshObservations.REFRESH_OBSERVATION, 1).get(0);
        assertThat(key(refresh, "outcome")).isEqualTo("failed");
        assertThat(awaitStopped(TokenRefreshObservations.WAIT_OBSERVATION, 1)).singleElement()
            .satisfies(wait -> assertThat(key(wait, "outcome")).isEqualTo("failed"));
        // a consumer registered after the observations' own: once it has the late token's event, so have they
        CountDownLatch lateTokenPublished = new CountDownLatch(1);
        tokens.getEventPublisher().onRefreshSucceeded(event -> lateTokenPublished.countDown());

        release.countDown(); // its late token is installed: no second refresh observation
        assertThat(lateTokenPublished.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(tokens.executeFunction(AccessToken::value)).isEqualTo("secret-token-1");
        assertThat(named(TokenRefreshObservations.REFRESH_OBSERVATION)).hasSize(1);
    }

    @Test
    void aThrowingObservationHandlerNeitherFailsTheRefreshNorLeavesAWaitOpen() throws Exception {
        TestObservationRegistry throwing = TestObservationRegistry.create();
        List<Observation.Context> waitsStopped = new CopyOnWriteArrayList<>();
        List<Observation.Context> refreshesStarted = new CopyOnWriteArrayList<>();
        List<Observation.Context> refreshesStopped = new CopyOnWriteArrayList<>();
        throwing.observationConfig().observationHandler(new ObservationHandler<>() { // a tracer, say: notified first
            @Override
            public boolean supportsContext(Observation.Context context) {
                return context.getName().equals(TokenRefreshObservations.REFRESH_OBSERVATION);
            }

            @Override
            public void onStart(Observation.Context context) {
                refreshesStarted.add(context);
            }

            @Override
            public void onStop(Observation.Context context) {
                refreshesStopped.add(context);
            }
        });
        throwing.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }

            @Override
            public void onStart(Observation.Context context) {
                if (context.getName().equals(TokenRefreshObservations.REFRESH_OBSERVATION)
                    && issued.get() == 0) {
                    throw new IllegalStateException("a broken tracing handler");
                }
            }

            @Override
            public void onStop(Observation.Context context) {
                if (context.getName().equals(TokenRefreshObservations.WAIT_OBSERVATION)) {
                    waitsStopped.add(context);
                } else if (context.getName().equals(TokenRefreshObservations.REFRESH_OBSERVATION)
                    && "billing-api".equals(key(context, "name"))) {
                    throw new IllegalStateException("a broken tracing handler");
                }
            }
        });
        TokenRefreshObservations observations = TokenRefreshObservations.of(throwing);

        // onStart throws: the refresh still obtains its token
        TokenRefreshDecorator first = observations.decorator("orders-api", config(), current -> newToken());
        assertThat(first.executeFunction(AccessToken::value)).isEqualTo("secret-token-1");

        // onStop of the refresh throws: the call that waited for it still has its wait stopped
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        TokenRefreshDecorator second = observations.decorator("billing-api", config(), current -> {
            started.countDown();
            release.await();
            return newToken();
        });
        CompletableFuture<String> starter = CompletableFuture.supplyAsync(
            () -> second.executeFunction(AccessToken::value), callers);
        assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<String> joiner = CompletableFuture.supplyAsync(
            () -> second.executeFunction(AccessToken::value), callers);
        await().atMost(Duration.ofSeconds(20)).until(() -> second.getMetrics().getNumberOfCoalescedCalls() == 1);
        release.countDown();
        assertThat(starter.get(20, TimeUnit.SECONDS)).isEqualTo("secret-token-2");
        assertThat(joiner.get(20, TimeUnit.SECONDS)).isEqualTo("secret-token-2");
        await().atMost(Duration.ofSeconds(20)).until(() -> waitsStopped.size() == 1);
        assertThat(waitsStopped).hasSize(1);
        // the handler notified before the one that threw at the start has what it started ended too (no open span)
        assertThat(refreshesStarted).filteredOn(c -> "orders-api".equals(key(c, "name"))).singleElement()
            .satisfies(c -> await().atMost(Duration.ofSeconds(20)).until(() -> refreshesStopped.contains(c)));
    }

    @Test
    void aWaitThatJoinsAsTheTimeoutReleasesItsRefreshStopsWhenTheTimedOutRefresherCallFails() throws Exception {
        TestObservationRegistry held = TestObservationRegistry.create();
        List<Observation.Context> waitsStopped = new CopyOnWriteArrayList<>();
        CountDownLatch waitStarting = new CountDownLatch(1);
        CountDownLatch letWaitStart = new CountDownLatch(1);
        held.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }

            @Override
            public void onStart(Observation.Context context) {
                if (context.getName().equals(TokenRefreshObservations.WAIT_OBSERVATION)) {
                    waitStarting.countDown(); // the joining call is past the decorator's coalescing
                    try {
                        letWaitStart.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }

            @Override
            public void onStop(Observation.Context context) {
                if (context.getName().equals(TokenRefreshObservations.WAIT_OBSERVATION)) {
                    waitsStopped.add(context);
                }
            }
        });
        ManualScheduler scheduler = new ManualScheduler();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        TokenRefreshDecorator tokens = TokenRefreshObservations.of(held).decorator("orders-api",
            TokenRefreshConfig.from(config()).scheduler(scheduler).build(), current -> {
                started.countDown();
                release.await();
                throw new IllegalStateException("the token endpoint answered 503");
            });
        CompletableFuture<String> first = CompletableFuture.supplyAsync(
            () -> tokens.executeFunction(AccessToken::value), callers);
        assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<String> joiner = CompletableFuture.supplyAsync(
            () -> tokens.executeFunction(AccessToken::value), callers);
        assertThat(waitStarting.await(20, TimeUnit.SECONDS)).isTrue();

        scheduler.takeScheduled().run(); // the timeout releases both calls while the refresher still runs
        assertThatThrownBy(() -> first.get(20, TimeUnit.SECONDS)).hasCauseInstanceOf(TokenRefreshException.class);
        letWaitStart.countDown(); // the joiner's wait starts after the timeout stopped the others
        assertThatThrownBy(() -> joiner.get(20, TimeUnit.SECONDS)).hasCauseInstanceOf(TokenRefreshException.class);
        release.countDown(); // the abandoned refresher call fails: the decorator publishes no event for it

        await().atMost(Duration.ofSeconds(20)).until(() -> waitsStopped.size() == 1);
        assertThat(key(waitsStopped.get(0), "outcome")).isEqualTo("failed");
    }

    @Test
    void aRegistryWhoseHandlersAreAddedAfterTheDecoratorIsBuiltObservesItsRefreshes() {
        ObservationRegistry later = ObservationRegistry.create(); // no handler yet: isNoop() says true for now
        TokenRefreshDecorator tokens = TokenRefreshObservations.of(later)
            .decorator("orders-api", config(), current -> newToken());
        List<String> started = new CopyOnWriteArrayList<>();
        later.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }

            @Override
            public void onStart(Observation.Context context) {
                started.add(context.getName());
            }
        });

        tokens.executeFunction(AccessToken::value);

        assertThat(started).containsExactly(TokenRefreshObservations.REFRESH_OBSERVATION);
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
    void anEntryTheRegistryAlreadyHeldIsReturnedAsItIs() throws InterruptedException {
        io.github.tokenrefresh4j.TokenRefreshRegistry tokenRefreshRegistry =
            io.github.tokenrefresh4j.TokenRefreshRegistry.of(config());
        TokenRefreshObservations observations = TokenRefreshObservations.of(registry);
        TokenRefreshDecorator first = observations.tokenRefresh(tokenRefreshRegistry, "orders-api", c -> newToken());
        TokenRefreshDecorator again = observations.tokenRefresh(tokenRefreshRegistry, "orders-api", c -> newToken());

        assertThat(again).isSameAs(first);
        // registered after the observations' own consumer: once it has the refresh's event, they have ended it
        CountDownLatch published = new CountDownLatch(1);
        again.getEventPublisher().onRefreshSucceeded(event -> published.countDown());
        again.executeFunction(AccessToken::value);
        assertThat(published.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(named(TokenRefreshObservations.REFRESH_OBSERVATION)).hasSize(1); // observed once, not twice
    }

    private static void assertNoTokenValueIn(List<Observation.Context> contexts) {
        for (Observation.Context context : contexts) {
            String all = context.getName() + context.getContextualName() + context.getAllKeyValues()
                + context.getParentObservation() + context.getError();
            assertThat(all).doesNotContain("secret-token");
        }
    }
}
