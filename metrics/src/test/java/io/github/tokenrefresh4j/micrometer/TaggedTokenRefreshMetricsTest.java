package io.github.tokenrefresh4j.micrometer;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.MutableClock;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class TaggedTokenRefreshMetricsTest {

    private static final int CALLS = 8;
    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final TokenRefreshConfig REJECT_ON_401 =
        TokenRefreshConfig.custom().refreshOnResult("401"::equals).build();

    private final ExecutorService callers = Executors.newFixedThreadPool(CALLS);
    private final MeterRegistry meterRegistry = new SimpleMeterRegistry();

    @AfterEach
    void stopCallers() throws InterruptedException {
        callers.shutdownNow();
        assertThat(callers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void coalescedStormsCountEachRefreshOnceAndWaitingGaugeReturnsToZero() throws Exception {
        TokenRefreshRegistry registry = TokenRefreshRegistry.of(REJECT_ON_401);
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);
        // Each refresh blocks on its own gate, so that every call of a storm is waiting before it completes.
        List<CountDownLatch> gates = List.of(new CountDownLatch(1), new CountDownLatch(1));
        AtomicInteger refreshes = new AtomicInteger();
        TokenRefreshDecorator orders = registry.tokenRefresh("orders-api", current -> {
            int n = refreshes.getAndIncrement();
            assertThat(gates.get(n).await(10, TimeUnit.SECONDS)).isTrue();
            return AccessToken.of("token-" + (n + 1));
        });
        AtomicBoolean firstTokenRevoked = new AtomicBoolean();
        // Once token-1 is revoked, every call holds it before any call reports it: otherwise a late call would
        // find it already marked rejected and simply wait, and the rejection count would depend on timing.
        CyclicBarrier allHoldTokenOne = new CyclicBarrier(CALLS);
        Supplier<String> call = TokenRefreshDecorator.decorateFunction(orders, token -> {
            if (firstTokenRevoked.get() && token.value().equals("token-1")) {
                awaitUnchecked(allHoldTokenOne);
                return "401";
            }
            return "ok";
        });

        // Storm 1: first acquisition. One call starts the refresh, the others join it.
        List<Future<String>> first = startCalls(call);
        await().atMost(PATIENCE).until(() -> gauge("tokenrefresh.waiting.calls", "orders-api") == CALLS);
        gates.get(0).countDown();
        assertThat(results(first)).containsOnly("ok");

        await().untilAsserted(() ->
            assertThat(counter("tokenrefresh.refreshes", "orders-api", "successful")).isEqualTo(1.0));
        assertThat(counter("tokenrefresh.refreshes", "orders-api", "failed")).isZero();
        assertThat(counter("tokenrefresh.coalesced.calls", "orders-api", null)).isEqualTo(CALLS - 1);
        assertThat(counter("tokenrefresh.token.rejections", "orders-api", null)).isZero();
        assertThat(gauge("tokenrefresh.waiting.calls", "orders-api")).isZero();
        await().untilAsserted(() -> assertThat(timer("orders-api", "successful").count()).isEqualTo(1));

        // Storm 2: all calls are rejected with token-1; one refresh replaces it for all of them.
        firstTokenRevoked.set(true);
        List<Future<String>> second = startCalls(call);
        await().atMost(PATIENCE).until(() -> gauge("tokenrefresh.waiting.calls", "orders-api") == CALLS);
        gates.get(1).countDown();
        assertThat(results(second)).containsOnly("ok");

        assertThat(refreshes).hasValue(2);
        await().untilAsserted(() ->
            assertThat(counter("tokenrefresh.refreshes", "orders-api", "successful")).isEqualTo(2.0));
        assertThat(counter("tokenrefresh.refreshes", "orders-api", "failed")).isZero();
        assertThat(counter("tokenrefresh.coalesced.calls", "orders-api", null)).isEqualTo(2 * (CALLS - 1));
        assertThat(counter("tokenrefresh.token.rejections", "orders-api", null)).isEqualTo(CALLS);
        assertThat(gauge("tokenrefresh.waiting.calls", "orders-api")).isZero();
        await().untilAsserted(() -> assertThat(timer("orders-api", "successful").count()).isEqualTo(1));
        await().untilAsserted(() -> assertThat(meterRegistry.get("tokenrefresh.refresh.duration")
            .tag("kind", "successful").tag("reason", "rejected").timer().count()).isEqualTo(1));
        assertThat(timer("orders-api", "failed").count()).isZero();
    }

    @Test
    void failedRefreshIsCountedAndTimedAsFailed() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);
        TokenRefreshDecorator orders = registry.tokenRefresh("orders-api", current -> {
            throw new IOException("token endpoint answered 503");
        });

        assertThatThrownBy(() -> orders.executeFunction(AccessToken::value))
            .isInstanceOf(TokenRefreshException.class);

        await().untilAsserted(() ->
            assertThat(counter("tokenrefresh.refreshes", "orders-api", "failed")).isEqualTo(1.0));
        assertThat(counter("tokenrefresh.refreshes", "orders-api", "successful")).isZero();
        await().untilAsserted(() -> assertThat(timer("orders-api", "failed").count()).isEqualTo(1));
        assertThat(timer("orders-api", "successful").count()).isZero();
    }

    @Test
    void remainingLifetimeFollowsTheDecoratorsClockAndIsNaNWithoutAToken() {
        MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
        TokenRefreshRegistry registry = TokenRefreshRegistry.of(TokenRefreshConfig.custom().clock(clock).build());
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);
        TokenRefreshDecorator orders = registry.tokenRefresh("orders-api",
            current -> AccessToken.of("secret", clock.instant().plusSeconds(300)));
        String lifetime = "tokenrefresh.token.remaining.lifetime";

        assertThat(gauge(lifetime, "orders-api")).isNaN();
        orders.executeFunction(AccessToken::value);
        assertThat(gauge(lifetime, "orders-api")).isEqualTo(300.0);
        clock.advance(Duration.ofMillis(100_500));
        assertThat(gauge(lifetime, "orders-api")).isEqualTo(199.5);
        clock.advance(Duration.ofSeconds(250));
        assertThat(gauge(lifetime, "orders-api")).isEqualTo(-50.5);
        assertThat(meterRegistry.get(lifetime).gauge().getId().getBaseUnit()).isEqualTo("seconds");
    }

    @Test
    void remainingLifetimeIsNaNForATokenWithoutKnownExpiry() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);
        registry.tokenRefresh("orders-api", current -> AccessToken.of("secret"))
            .executeFunction(AccessToken::value);

        assertThat(gauge("tokenrefresh.token.remaining.lifetime", "orders-api")).isNaN();
    }

    @Test
    void instanceAddedAfterBindingIsExported() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);
        assertThat(meterRegistry.getMeters()).isEmpty();

        registry.tokenRefresh("late-api", current -> AccessToken.of("secret")).executeFunction(AccessToken::value);

        assertThat(metersOf("late-api")).hasSize(18);
        await().untilAsserted(() ->
            assertThat(counter("tokenrefresh.refreshes", "late-api", "successful")).isEqualTo(1.0));
        await().untilAsserted(() -> assertThat(timer("late-api", "successful").count()).isEqualTo(1));
    }

    @Test
    void everyMeterCarriesTheInstanceNameAndTheRegistryAndInstanceTags() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.of(TokenRefreshConfig.ofDefaults(), Map.of("env", "test"));
        registry.tokenRefresh("orders-api", current -> AccessToken.of("secret"), Map.of("team", "checkout"));
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);

        assertThat(meterRegistry.getMeters()).hasSize(18).allSatisfy(meter -> {
            assertThat(meter.getId().getTag("name")).isEqualTo("orders-api");
            assertThat(meter.getId().getTag("env")).isEqualTo("test");
            assertThat(meter.getId().getTag("team")).isEqualTo("checkout");
        });
    }

    @Test
    void removalRemovesOnlyThatInstancesMeters() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        registry.tokenRefresh("orders-api", current -> AccessToken.of("secret"));
        registry.tokenRefresh("billing-api", current -> AccessToken.of("secret"));
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);
        assertThat(meterRegistry.getMeters()).hasSize(36);

        registry.remove("orders-api");

        assertThat(metersOf("orders-api")).isEmpty();
        assertThat(metersOf("billing-api")).hasSize(18);
    }

    @Test
    void replacedInstanceIsMeasuredInsteadOfTheOldOne() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        TokenRefreshDecorator old = registry.tokenRefresh("orders-api", current -> AccessToken.of("old"));
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);
        old.executeFunction(AccessToken::value);
        // a refresh is counted on the refresher's thread after it released the call
        await().untilAsserted(() ->
            await().untilAsserted(() ->
                assertThat(counter("tokenrefresh.refreshes", "orders-api", "successful")).isEqualTo(1.0)));

        TokenRefreshDecorator replacement = TokenRefreshDecorator.ofDefaults("orders-api",
            current -> AccessToken.of("new"));
        registry.replace("orders-api", replacement);

        assertThat(metersOf("orders-api")).hasSize(18);
        assertThat(counter("tokenrefresh.refreshes", "orders-api", "successful")).isZero();
        assertThat(timer("orders-api", "successful").count()).isZero();
        old.invalidate();
        old.executeFunction(AccessToken::value);
        assertThat(timer("orders-api", "successful").count()).isZero();
        replacement.executeFunction(AccessToken::value);
        await().untilAsserted(() ->
            assertThat(counter("tokenrefresh.refreshes", "orders-api", "successful")).isEqualTo(1.0));
        await().untilAsserted(() -> assertThat(timer("orders-api", "successful").count()).isEqualTo(1));
    }

    @Test
    void bindingTwiceRegistersNothingTwiceAndRecordsEachRefreshOnce() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        TokenRefreshDecorator orders = registry.tokenRefresh("orders-api", current -> AccessToken.of("secret"));
        TaggedTokenRefreshMetrics binder = TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry);

        binder.bindTo(meterRegistry);
        binder.bindTo(meterRegistry);
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);
        orders.executeFunction(AccessToken::value);
        registry.tokenRefresh("late-api", current -> AccessToken.of("secret")).executeFunction(AccessToken::value);

        assertThat(meterRegistry.getMeters()).hasSize(36);
        await().untilAsserted(() -> assertThat(timer("orders-api", "successful").count()).isEqualTo(1));
        await().untilAsserted(() -> assertThat(timer("late-api", "successful").count()).isEqualTo(1));
        await().untilAsserted(() ->
            assertThat(counter("tokenrefresh.refreshes", "orders-api", "successful")).isEqualTo(1.0));
    }

    @Test
    void oneBinderServesTwoMeterRegistriesAndRemovesFromBoth() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        TokenRefreshDecorator orders = registry.tokenRefresh("orders-api", current -> AccessToken.of("secret"));
        MeterRegistry other = new SimpleMeterRegistry();
        TaggedTokenRefreshMetrics binder = TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry);
        binder.bindTo(meterRegistry);
        binder.bindTo(other);

        orders.executeFunction(AccessToken::value);
        // a refresh is timed on the refresher's thread after it released the call
        await().untilAsserted(() -> assertThat(other.get("tokenrefresh.refresh.duration").tag("kind", "successful")
            .tag("reason", "initial").timer().count())
            .isEqualTo(1));
        await().untilAsserted(() -> assertThat(timer("orders-api", "successful").count()).isEqualTo(1));

        registry.remove("orders-api");
        assertThat(meterRegistry.getMeters()).isEmpty();
        assertThat(other.getMeters()).isEmpty();
    }

    @Test
    void customNamesRenameTheMeters() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        registry.tokenRefresh("orders-api", current -> AccessToken.of("secret"));
        TokenRefreshMetricNames names = TokenRefreshMetricNames.custom()
            .refreshesMetricName("auth.refreshes")
            .refreshDurationMetricName("auth.refresh.time")
            .waitingCallsMetricName("auth.waiting")
            .coalescedCallsMetricName("auth.coalesced")
            .tokenRejectionsMetricName("auth.rejections")
            .tokenRemainingLifetimeMetricName("auth.lifetime")
            .consecutiveFailuresMetricName("auth.failures")
            .cooldownRemainingMetricName("auth.cooldown")
            .build();

        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(names, registry).bindTo(meterRegistry);

        assertThat(meterRegistry.getMeters()).extracting(meter -> meter.getId().getName())
            .containsOnly("auth.refreshes", "auth.refresh.time", "auth.waiting", "auth.coalesced",
                "auth.rejections", "auth.lifetime", "auth.failures", "auth.cooldown");
    }

    @Test
    void defaultNamesAreTheDocumentedOnes() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        registry.tokenRefresh("orders-api", current -> AccessToken.of("secret"));
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);

        assertThat(meterRegistry.getMeters()).extracting(meter -> meter.getId().getName() + " "
                + meter.getId().getType() + " " + meter.getId().getTag("kind"))
            .containsOnly(
                "tokenrefresh.refreshes COUNTER successful",
                "tokenrefresh.refreshes COUNTER failed",
                "tokenrefresh.refresh.duration TIMER successful",
                "tokenrefresh.refresh.duration TIMER failed",
                "tokenrefresh.waiting.calls GAUGE null",
                "tokenrefresh.coalesced.calls COUNTER null",
                "tokenrefresh.token.rejections COUNTER null",
                "tokenrefresh.token.remaining.lifetime GAUGE null",
                "tokenrefresh.consecutive.failures GAUGE null",
                "tokenrefresh.cooldown.remaining GAUGE null");
    }

    @Test
    void failuresAndTheCooldownAreGauged() {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
        TokenRefreshRegistry registry = TokenRefreshRegistry.of(TokenRefreshConfig.custom().clock(clock)
            .failureCooldown(Duration.ofSeconds(5)).build());
        TokenRefreshDecorator failing = registry.tokenRefresh("orders-api", current -> {
            throw new IllegalStateException("token endpoint down");
        });
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);
        assertThat(meterRegistry.get("tokenrefresh.consecutive.failures").gauge().value()).isZero();
        assertThat(meterRegistry.get("tokenrefresh.cooldown.remaining").gauge().value()).isZero();

        assertThatThrownBy(() -> failing.executeFunction(AccessToken::value))
            .isInstanceOf(TokenRefreshException.class);

        assertThat(meterRegistry.get("tokenrefresh.consecutive.failures").gauge().value()).isEqualTo(1);
        assertThat(meterRegistry.get("tokenrefresh.cooldown.remaining").gauge().value()).isEqualTo(5);
        clock.advance(Duration.ofSeconds(6));
        assertThat(meterRegistry.get("tokenrefresh.cooldown.remaining").gauge().value()).isZero();
    }

    @Test
    void nullArgumentsAreNamed() {
        assertThatThrownBy(() -> TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(null))
            .isInstanceOf(NullPointerException.class).hasMessage("tokenRefreshRegistry must not be null");
        assertThatThrownBy(() -> TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(null,
            TokenRefreshRegistry.ofDefaults()))
            .isInstanceOf(NullPointerException.class).hasMessage("names must not be null");
        TaggedTokenRefreshMetrics binder = TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(
            TokenRefreshRegistry.ofDefaults());
        assertThatThrownBy(() -> binder.bindTo(null))
            .isInstanceOf(NullPointerException.class).hasMessage("meterRegistry must not be null");
        assertThatThrownBy(() -> TokenRefreshMetricNames.custom().refreshesMetricName(null))
            .isInstanceOf(NullPointerException.class).hasMessage("refreshesMetricName must not be null");
    }

    private static void awaitUnchecked(CyclicBarrier barrier) {
        try {
            barrier.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the calls of the storm did not all start", e);
        }
    }

    private List<Future<String>> startCalls(Supplier<String> call) {
        List<Future<String>> futures = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            futures.add(callers.submit(call::get));
        }
        return futures;
    }

    private static List<String> results(List<Future<String>> futures) throws Exception {
        List<String> results = new ArrayList<>();
        for (Future<String> future : futures) {
            results.add(future.get(10, TimeUnit.SECONDS));
        }
        return results;
    }

    private List<Meter> metersOf(String name) {
        return meterRegistry.getMeters().stream().filter(m -> name.equals(m.getId().getTag("name"))).toList();
    }

    private double counter(String meter, String name, String kind) {
        var search = meterRegistry.get(meter).tag("name", name);
        return (kind == null ? search : search.tag("kind", kind)).functionCounter().count();
    }

    private double gauge(String meter, String name) {
        return meterRegistry.get(meter).tag("name", name).gauge().value();
    }

    private Timer timer(String name, String kind) {
        return meterRegistry.get("tokenrefresh.refresh.duration").tag("name", name).tag("kind", kind)
            .tag("reason", "initial").timer();
    }

    @Test
    void refreshDurationIsTaggedWithTheReasonOfEachRefreshEveryReasonRegisteredUpFront() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        TokenRefreshDecorator orders = registry.tokenRefresh("orders-api", current -> AccessToken.of("secret"));
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);

        orders.executeFunction(AccessToken::value);
        orders.invalidate();
        orders.executeFunction(AccessToken::value);

        await().untilAsserted(() -> { // timed on the refresher's thread after it released the call
            assertThat(meterRegistry.get("tokenrefresh.refresh.duration").tag("kind", "successful").timers())
                .extracting(timer -> timer.getId().getTag("reason"))
                .containsExactlyInAnyOrder("initial", "expired", "ahead", "rejected", "invalidated");
            assertThat(meterRegistry.get("tokenrefresh.refresh.duration").tag("kind", "successful").timers())
                .filteredOn(timer -> timer.count() > 0)
                .extracting(timer -> timer.getId().getTag("reason"))
                .containsExactlyInAnyOrder("initial", "invalidated");
            assertThat(meterRegistry.get("tokenrefresh.refresh.duration").tag("reason", "initial").timers())
                .extracting(timer -> timer.getId().getTag("kind") + " " + (long) timer.count())
                .containsExactlyInAnyOrder("successful 1", "failed 0");
            assertThat(meterRegistry.get("tokenrefresh.refresh.duration").tag("kind", "successful")
                .tag("reason", "invalidated").timer().count()).isEqualTo(1);
            assertThat(meterRegistry.get("tokenrefresh.refreshes").tag("kind", "successful").functionCounter().count())
                .isEqualTo(2);
        });
    }
}
