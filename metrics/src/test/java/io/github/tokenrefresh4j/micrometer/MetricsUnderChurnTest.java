package io.github.tokenrefresh4j.micrometer;

import io.github.resilience4j.core.EventProcessor;
import io.github.resilience4j.core.registry.EntryAddedEvent;
import io.github.resilience4j.core.registry.EntryRemovedEvent;
import io.github.resilience4j.core.registry.EntryReplacedEvent;
import io.github.resilience4j.core.registry.RegistryEventConsumer;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.MutableClock;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.internal.InMemoryTokenRefreshRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.reflect.Field;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The binders when decorators, binders and meter registries come and go concurrently. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MetricsUnderChurnTest {

    private static final String DURATION = "tokenrefresh.refresh.duration";

    private final ExecutorService threads = Executors.newFixedThreadPool(2);
    private final MeterRegistry meterRegistry = new SimpleMeterRegistry();

    @AfterEach
    void stopThreads() throws InterruptedException {
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    // 1. Resilience4j announces an entry before it is in the registry's map.

    @Test
    void entryAnnouncedWhileBindToRunsIsBoundWhenAnotherConsumerHoldsTheAnnouncement() throws Exception {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        TaggedTokenRefreshMetrics binder = TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry);
        BlockingConsumer blocking = new BlockingConsumer();
        registry.getEventPublisher().onEntryAdded(blocking::onEntryAddedEvent);

        assertBoundAlthoughAnnouncedDuringBindTo(registry, binder, blocking);
    }

    @Test
    void entryAnnouncedWhileBindToRunsIsBoundWhenAConsumerGivenAtConstructionHoldsIt() throws Exception {
        BlockingConsumer blocking = new BlockingConsumer();
        TokenRefreshRegistry registry = TokenRefreshRegistry.of(TokenRefreshConfig.ofDefaults(), blocking);
        TaggedTokenRefreshMetrics binder = TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry);

        assertBoundAlthoughAnnouncedDuringBindTo(registry, binder, blocking);
    }

    private void assertBoundAlthoughAnnouncedDuringBindTo(TokenRefreshRegistry registry,
                                                         TaggedTokenRefreshMetrics binder,
                                                         BlockingConsumer blocking) throws Exception {
        Future<TokenRefreshDecorator> adding = threads.submit(
            () -> registry.tokenRefresh("late-api", current -> AccessToken.of("secret")));
        assertThat(blocking.announcing.await(10, TimeUnit.SECONDS)).isTrue();

        binder.bindTo(meterRegistry); // "late-api" is announced but not yet in the registry's map
        blocking.release.countDown();
        TokenRefreshDecorator late = adding.get(10, TimeUnit.SECONDS);
        late.executeFunction(AccessToken::value);

        assertThat(meterRegistry.getMeters()).hasSize(18);
        // timed on the refresher's thread after it released the call
        await().untilAsserted(() -> assertThat(timer("late-api", "successful").count()).isEqualTo(1));
    }

    // Issue 19: the registry announces an entry after its map holds it, and the binder listens before it sweeps,
    // so a binder created and bound while an entry is being announced finds it in one of the two.
    @Test
    void entryAnnouncedWhileTheBinderIsCreatedAndBoundIsBound() throws Exception {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        BlockingConsumer blocking = new BlockingConsumer();
        registry.getEventPublisher().onEntryAdded(blocking::onEntryAddedEvent);
        Future<TokenRefreshDecorator> adding = threads.submit(
            () -> registry.tokenRefresh("late-api", current -> AccessToken.of("secret")));
        assertThat(blocking.announcing.await(10, TimeUnit.SECONDS)).isTrue();

        // created after the announcement began, so it does not hear it; its sweep must find the entry
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);
        blocking.release.countDown();
        TokenRefreshDecorator late = adding.get(10, TimeUnit.SECONDS);

        assertThat(meterRegistry.getMeters()).hasSize(18);
        assertThat(meterRegistry.get("tokenrefresh.waiting.calls").tag("name", "late-api").gauge()).isNotNull();
        assertThat(registry.find("late-api")).containsSame(late);
    }

    @Test
    void entryAnnouncedAndRemovedBeforeItsBindingIsNotBound() throws Exception {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        TaggedTokenRefreshMetrics binder = TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry);
        BlockingConsumer blocking = new BlockingConsumer();
        registry.getEventPublisher().onEntryAdded(blocking::onEntryAddedEvent);
        Future<TokenRefreshDecorator> adding = threads.submit(
            () -> registry.tokenRefresh("short-lived", current -> AccessToken.of("secret")));
        assertThat(blocking.announcing.await(10, TimeUnit.SECONDS)).isTrue();
        blocking.release.countDown();
        adding.get(10, TimeUnit.SECONDS);
        registry.remove("short-lived");

        binder.bindTo(meterRegistry);

        assertThat(meterRegistry.getMeters()).isEmpty();
    }

    // Resilience4j announces a replacement after the map holds it, outside any lock: a removal can overtake it.

    @Test
    void replacementRemovedBeforeItsReplaceIsAnnouncedIsNotBoundByTheBinder() throws Exception {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        registry.tokenRefresh("orders-api", current -> AccessToken.of("secret"));
        BlockingConsumer holding = new BlockingConsumer(true);
        registry.getEventPublisher().onEntryReplaced(holding::onEntryReplacedEvent); // runs before the binder's
        TaggedTokenRefreshMetrics binder = TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry);
        binder.bindTo(meterRegistry);

        replaceThenRemoveWhileTheReplaceIsHeld(registry, holding);

        assertThat(meterRegistry.getMeters()).as("no meters for an entry the registry no longer holds").isEmpty();
        binder.bindTo(meterRegistry);
        assertThat(meterRegistry.getMeters()).as("nor after binding again").isEmpty();
    }

    @Test
    void replacementRemovedBeforeItsReplaceIsAnnouncedIsNotBoundByThePublisher() throws Exception {
        BlockingConsumer holding = new BlockingConsumer(true);
        TokenRefreshRegistry registry = new InMemoryTokenRefreshRegistry(TokenRefreshConfig.ofDefaults(),
            List.of(holding, new TaggedTokenRefreshMetricsPublisher(meterRegistry)), Map.of());
        registry.tokenRefresh("orders-api", current -> AccessToken.of("secret"));

        replaceThenRemoveWhileTheReplaceIsHeld(registry, holding);

        assertThat(meterRegistry.getMeters()).as("no meters for an entry the registry no longer holds").isEmpty();
    }

    private void replaceThenRemoveWhileTheReplaceIsHeld(TokenRefreshRegistry registry, BlockingConsumer holding)
        throws Exception {
        TokenRefreshDecorator newer = TokenRefreshDecorator.ofDefaults("orders-api",
            current -> AccessToken.of("secret"));
        Future<?> replacing = threads.submit(() -> registry.replace("orders-api", newer));
        assertThat(holding.announcing.await(10, TimeUnit.SECONDS)).isTrue();
        registry.remove("orders-api"); // announced (to every consumer) before the replace is
        holding.release.countDown();
        replacing.get(10, TimeUnit.SECONDS);
        assertThat(registry.getAllTokenRefreshes()).isEmpty();
    }

    // A closed meter registry is let go.

    @Test
    void closedMeterRegistryIsLetGoAtTheNextRegistryChange() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        TokenRefreshDecorator orders = registry.tokenRefresh("orders-api", current -> AccessToken.of("secret"));
        TaggedTokenRefreshMetrics binder = TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry);
        MeterRegistry closing = new SimpleMeterRegistry();
        binder.bindTo(closing);
        binder.bindTo(meterRegistry);
        Timer closedTimer = closing.get(DURATION).tag("name", "orders-api").tag("kind", "successful")
            .tag("reason", "initial").timer();

        closing.close();
        registry.tokenRefresh("billing-api", current -> AccessToken.of("secret"));
        orders.executeFunction(AccessToken::value);

        assertThat(closedTimer.count()).as("the closed registry's timer is no longer fed").isZero();
        assertThat(closing.getMeters()).as("the binder let go of its meters").isEmpty();
        await().untilAsserted(() -> assertThat(timer("orders-api", "successful").count()).isEqualTo(1));
        assertThat(meterRegistry.getMeters()).hasSize(36);
    }

    // 2. One refresh is recorded once, however many binders feed the timer.

    @Test
    void twoBindersRecordEachRefreshOnceThroughARenamingMeterFilter() {
        meterRegistry.config().meterFilter(MeterFilter.renameTag("tokenrefresh", "name", "client"))
            .meterFilter(new MeterFilter() {
                @Override
                public Meter.Id map(Meter.Id id) {
                    return id.withName(id.getName().replace("tokenrefresh.", "auth."));
                }
            });
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        TokenRefreshDecorator orders = registry.tokenRefresh("orders-api", current -> AccessToken.of("secret"));

        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);
        orders.executeFunction(AccessToken::value);

        assertThat(meterRegistry.getMeters()).hasSize(18);
        await().untilAsserted(() -> assertThat(meterRegistry.get("auth.refresh.duration").tag("client", "orders-api")
            .tag("kind", "successful").tag("reason", "initial").timer().count()).isEqualTo(1));
    }

    @Test
    void bindersBindingConcurrentlyRecordEachRefreshOnce() throws Exception {
        for (int round = 0; round < 50; round++) {
            MeterRegistry meters = new SimpleMeterRegistry();
            TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
            TokenRefreshDecorator orders = registry.tokenRefresh("orders-api", current -> AccessToken.of("secret"));
            TaggedTokenRefreshMetrics first = TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry);
            TaggedTokenRefreshMetricsPublisher second = new TaggedTokenRefreshMetricsPublisher(meters);
            CyclicBarrier together = new CyclicBarrier(2);
            Future<?> a = threads.submit(() -> {
                together.await(10, TimeUnit.SECONDS);
                first.bindTo(meters);
                return null;
            });
            Future<?> b = threads.submit(() -> {
                together.await(10, TimeUnit.SECONDS);
                second.publishMetrics(orders);
                return null;
            });
            a.get(10, TimeUnit.SECONDS);
            b.get(10, TimeUnit.SECONDS);

            orders.executeFunction(AccessToken::value);

            int r = round;
            await().untilAsserted(() -> assertThat(meters.get(DURATION).tag("kind", "successful")
                .tag("reason", "initial").timer().count()).as("round %d", r)
                .isEqualTo(1));
        }
    }

    // 3. All meters of a decorator, or none.

    @Test
    void meterRegistryRejectingOneMeterLeavesNoneOfTheDecoratorsMeters() {
        RejectingMeterRegistry rejecting = new RejectingMeterRegistry("tokenrefresh.token.remaining.lifetime");
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        TokenRefreshDecorator orders = registry.tokenRefresh("orders-api", current -> AccessToken.of("secret"));
        TaggedTokenRefreshMetrics binder = TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry);

        assertThatThrownBy(() -> binder.bindTo(rejecting)).hasMessageContaining("rejects");
        assertThat(rejecting.getMeters()).isEmpty();
        assertThatThrownBy(() -> new TaggedTokenRefreshMetricsPublisher(rejecting).publishMetrics(orders))
            .hasMessageContaining("rejects");
        assertThat(rejecting.getMeters()).isEmpty();

        rejecting.rejecting.set(false);
        binder.bindTo(rejecting);
        orders.executeFunction(AccessToken::value);
        assertThat(rejecting.getMeters()).hasSize(18);
        await().untilAsserted(() -> assertThat(rejecting.get(DURATION).tag("kind", "successful")
            .tag("reason", "initial").timer().count()).isEqualTo(1));
    }

    @Test
    void meterRegistryRejectingOneDecoratorsMeterStillBindsTheOthers() {
        RejectingMeterRegistry rejecting = new RejectingMeterRegistry(id -> "bad-api".equals(id.getTag("name")));
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        registry.tokenRefresh("bad-api", current -> AccessToken.of("secret"));
        registry.tokenRefresh("good-api", current -> AccessToken.of("secret"));
        registry.tokenRefresh("other-api", current -> AccessToken.of("secret"));

        assertThatThrownBy(() -> TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(rejecting))
            .hasMessageContaining("rejects");

        assertThat(rejecting.getMeters()).hasSize(36)
            .noneMatch(meter -> "bad-api".equals(meter.getId().getTag("name")));
    }

    @Test
    void failedRegistrationKeepsTheMetersAnotherBinderHolds() {
        RejectingMeterRegistry rejecting = new RejectingMeterRegistry("tokenrefresh.token.remaining.lifetime");
        rejecting.rejecting.set(false);
        TokenRefreshDecorator orders = TokenRefreshDecorator.ofDefaults("orders-api",
            current -> AccessToken.of("secret"));
        new TaggedTokenRefreshMetricsPublisher(rejecting).publishMetrics(orders);
        rejecting.rejecting.set(true);
        rejecting.remove(rejecting.get("tokenrefresh.token.remaining.lifetime").gauge());

        assertThatThrownBy(() -> new TaggedTokenRefreshMetricsPublisher(rejecting).publishMetrics(orders))
            .hasMessageContaining("rejects");

        assertThat(rejecting.getMeters()).as("the first publisher's meters, less the one removed by hand")
            .hasSize(17);
    }

    // 4. One consumer per decorator.

    @Test
    void thousandPublishAndRemoveCyclesLeaveOneConsumerOnTheDecorator() throws Exception {
        TokenRefreshDecorator orders = TokenRefreshDecorator.ofDefaults("orders-api",
            current -> AccessToken.of("secret"));
        TaggedTokenRefreshMetricsPublisher publisher = new TaggedTokenRefreshMetricsPublisher(meterRegistry);
        publisher.publishMetrics(orders);
        int afterOne = consumersOf(orders);

        for (int i = 0; i < 1_000; i++) {
            publisher.removeMetrics(orders);
            new TaggedTokenRefreshMetricsPublisher(meterRegistry).publishMetrics(orders);
            new TaggedTokenRefreshMetricsPublisher(meterRegistry).removeMetrics(orders);
            publisher.publishMetrics(orders);
        }
        orders.executeFunction(AccessToken::value);

        assertThat(afterOne).as("one consumer per refresh outcome").isEqualTo(2);
        assertThat(consumersOf(orders)).isEqualTo(afterOne);
        // timed on the refresher's thread after it released the call
        await().untilAsserted(() -> assertThat(timer("orders-api", "successful").count()).isEqualTo(1));
    }

    // 5. Shared meters, and the remaining lifetime of a token that is no longer usable.

    @Test
    void removingADecoratorFromOneBinderKeepsTheMetersAnotherBinderStillBinds() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        TokenRefreshDecorator orders = registry.tokenRefresh("orders-api", current -> AccessToken.of("secret"));
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);
        TaggedTokenRefreshMetricsPublisher publisher = new TaggedTokenRefreshMetricsPublisher(meterRegistry);
        publisher.publishMetrics(orders);

        registry.remove("orders-api");
        orders.executeFunction(AccessToken::value);

        assertThat(meterRegistry.getMeters()).hasSize(18);
        await().untilAsserted(() ->
            assertThat(timer("orders-api", "successful").count()).as("still fed through the publisher").isEqualTo(1));
        publisher.removeMetrics(orders);
        assertThat(meterRegistry.getMeters()).isEmpty();
    }

    @Test
    void replacedEntryIsMeasuredFromTheNewDecoratorWhenTwoBindersShareItsMeters() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        TokenRefreshDecorator older = registry.tokenRefresh("orders-api", current -> AccessToken.of("secret"));
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);
        older.executeFunction(AccessToken::value);
        TokenRefreshDecorator newer = TokenRefreshDecorator.ofDefaults("orders-api",
            current -> AccessToken.of("secret"));

        registry.replace("orders-api", newer);
        newer.executeFunction(AccessToken::value);
        newer.invalidate();
        newer.executeFunction(AccessToken::value);

        await().untilAsserted(() -> assertThat(meterRegistry.get("tokenrefresh.refreshes").tag("kind", "successful")
            .functionCounter().count()).as("the counter reads the decorator the registry now holds").isEqualTo(2));
        assertThat(meterRegistry.getMeters()).hasSize(18);
        await().untilAsserted(() ->
            assertThat(timer("orders-api", "successful").count()).as("the initial refresh").isEqualTo(1));
        await().untilAsserted(() -> assertThat(meterRegistry.get(DURATION).tag("name", "orders-api")
            .tag("kind", "successful").tag("reason", "invalidated").timer().count())
            .as("the refresh after invalidate()").isEqualTo(1));
    }

    @Test
    void remainingLifetimeKeepsReportingTheLatestTokenAfterInvalidateAndRejectionUntilARefreshReplacesIt() {
        MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
        AtomicBoolean endpointDown = new AtomicBoolean();
        TokenRefreshRegistry registry = TokenRefreshRegistry.of(TokenRefreshConfig.custom()
            .clock(clock)
            .refreshOnResult("401"::equals)
            .failureCooldown(Duration.ofSeconds(1))
            .build());
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);
        TokenRefreshDecorator orders = registry.tokenRefresh("orders-api", current -> {
            if (endpointDown.get()) {
                throw new IOException("token endpoint answered 503");
            }
            return AccessToken.of("secret", clock.instant().plusSeconds(300));
        });
        orders.executeFunction(AccessToken::value);
        clock.advance(Duration.ofSeconds(100));

        orders.invalidate();
        assertThat(lifetime()).as("after invalidate()").isEqualTo(200.0);

        endpointDown.set(true);
        assertThatThrownBy(() -> orders.executeFunction(token -> "401")).isInstanceOf(TokenRefreshException.class);
        assertThat(lifetime()).as("after a rejection whose refresh failed").isEqualTo(200.0);

        endpointDown.set(false);
        clock.advance(Duration.ofSeconds(10));
        orders.executeFunction(AccessToken::value);
        assertThat(lifetime()).as("after the refresh that replaced it").isEqualTo(300.0);
    }

    private double lifetime() {
        return meterRegistry.get("tokenrefresh.token.remaining.lifetime").gauge().value();
    }

    private Timer timer(String name, String kind) {
        return meterRegistry.get(DURATION).tag("name", name).tag("kind", kind).tag("reason", "initial").timer();
    }

    /** The consumers on a decorator's event publisher, read from Resilience4j's {@code EventProcessor}. */
    @SuppressWarnings("unchecked")
    private static int consumersOf(TokenRefreshDecorator decorator) throws ReflectiveOperationException {
        Field byType = EventProcessor.class.getDeclaredField("eventConsumerMap");
        Field any = EventProcessor.class.getDeclaredField("onEventConsumers");
        byType.setAccessible(true);
        any.setAccessible(true);
        Object publisher = decorator.getEventPublisher();
        int count = ((Collection<?>) any.get(publisher)).size();
        for (Set<?> consumers : ((Map<String, Set<?>>) byType.get(publisher)).values()) {
            count += consumers.size();
        }
        return count;
    }

    /** A registry consumer that holds the announcement of an added entry, or of a replaced one, until released. */
    private static final class BlockingConsumer implements RegistryEventConsumer<TokenRefreshDecorator> {
        final CountDownLatch announcing = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final boolean holdsReplaced;

        BlockingConsumer() {
            this(false);
        }

        BlockingConsumer(boolean holdsReplaced) {
            this.holdsReplaced = holdsReplaced;
        }

        @Override
        public void onEntryAddedEvent(EntryAddedEvent<TokenRefreshDecorator> event) {
            if (!holdsReplaced) {
                hold();
            }
        }

        @Override
        public void onEntryRemovedEvent(EntryRemovedEvent<TokenRefreshDecorator> event) {
        }

        @Override
        public void onEntryReplacedEvent(EntryReplacedEvent<TokenRefreshDecorator> event) {
            if (holdsReplaced) {
                hold();
            }
        }

        private void hold() {
            announcing.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A backend that rejects some gauges, as one with a stricter naming rule might. */
    private static final class RejectingMeterRegistry extends SimpleMeterRegistry {
        final AtomicBoolean rejecting = new AtomicBoolean(true);
        private final Predicate<Meter.Id> rejected;

        RejectingMeterRegistry(String rejectedName) {
            this(id -> id.getName().equals(rejectedName));
        }

        RejectingMeterRegistry(Predicate<Meter.Id> rejected) {
            this.rejected = rejected;
        }

        @Override
        protected <T> Gauge newGauge(Meter.Id id, T obj, ToDoubleFunction<T> valueFunction) {
            if (rejecting.get() && rejected.test(id)) {
                throw new IllegalArgumentException("this backend rejects the name " + id.getName());
            }
            return super.newGauge(id, obj, valueFunction);
        }
    }
}
