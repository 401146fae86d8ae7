package io.github.tokenrefresh4j.micrometer;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.RefreshReason;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;

import static java.util.Objects.requireNonNull;

/**
 * Registers and removes the meters of one decorator, shared by {@link TaggedTokenRefreshMetrics} and
 * {@link TaggedTokenRefreshMetricsPublisher} (resilience4j-micrometer's {@code AbstractRetryMetrics} plays this
 * part there).
 *
 * <p>Bindings are kept per meter registry and instance name, and every change to one runs inside
 * {@link ConcurrentMap#compute}, so an entry event and the initial sweep of {@code bindTo} cannot both leave a
 * binding behind for the same name.
 */
abstract class AbstractTokenRefreshMetrics {

    static final String NAME_TAG = "name";
    static final String KIND_TAG = "kind";
    static final String REASON_TAG = "reason";
    static final String SUCCESSFUL = "successful";
    static final String FAILED = "failed";
    // One description per meter name: Prometheus shows a single HELP line for both kinds.
    private static final String REFRESHES_DESCRIPTION =
        "The number of token refreshes: successful ones obtained a token, failed ones failed or timed out";
    private static final String DURATION_DESCRIPTION = "How long refresher calls took, by outcome and reason";

    final TokenRefreshMetricNames names;

    // MeterRegistry does not override equals, so this is keyed by identity.
    private final ConcurrentMap<MeterRegistry, ConcurrentMap<String, Binding>> bindings = new ConcurrentHashMap<>();

    AbstractTokenRefreshMetrics(TokenRefreshMetricNames names) {
        this.names = requireNonNull(names, "names must not be null");
    }

    /**
     * Binds {@code decorator} unless it is bound already; replaces the binding of another decorator of the same
     * name.
     *
     * @param source if not null, the decorator is bound only while {@code source} still holds it, so that a sweep
     *               over a snapshot never resurrects an entry removed meanwhile
     */
    void addMetrics(MeterRegistry meterRegistry, TokenRefreshDecorator decorator, TokenRefreshRegistry source) {
        bindingsOf(meterRegistry).compute(decorator.getName(), (name, old) -> {
            if (old != null && old.decorator == decorator) {
                return old;
            }
            if (source != null && source.find(name).orElse(null) != decorator) {
                return old;
            }
            if (old != null) {
                old.close(meterRegistry);
            }
            return new Binding(meterRegistry, decorator);
        });
    }

    /** Removes the meters of {@code decorator}, but not those of a newer decorator that took its name. */
    void removeMetrics(MeterRegistry meterRegistry, TokenRefreshDecorator decorator) {
        bindingsOf(meterRegistry).computeIfPresent(decorator.getName(), (name, old) -> {
            if (old.decorator != decorator) {
                return old;
            }
            old.close(meterRegistry);
            return null;
        });
    }

    private ConcurrentMap<String, Binding> bindingsOf(MeterRegistry meterRegistry) {
        return bindings.computeIfAbsent(meterRegistry, registry -> new ConcurrentHashMap<>());
    }

    /** Seconds until the latest token expires: negative once it has, NaN without a token or a known expiry. */
    static double remainingLifetimeSeconds(TokenRefreshDecorator decorator) {
        AccessToken token = decorator.currentToken();
        Instant expiresAt = token == null ? null : token.expiresAt().orElse(null);
        if (expiresAt == null) {
            return Double.NaN;
        }
        Duration remaining = Duration.between(decorator.getTokenRefreshConfig().getClock().instant(), expiresAt);
        return remaining.getSeconds() + remaining.getNano() / 1e9;
    }

    /** The meters of one decorator in one meter registry. */
    private final class Binding {

        final TokenRefreshDecorator decorator;
        final List<Meter.Id> meterIds = new ArrayList<>();
        /**
         * The decorator's event publisher cannot unregister a consumer, so a closed binding's consumer stays and
         * is switched off here.
         */
        volatile boolean active = true;
        /** Guards the meter ids against a timer registered by an event while the binding closes. */
        private final ReentrantLock lock = new ReentrantLock();

        Binding(MeterRegistry meterRegistry, TokenRefreshDecorator decorator) {
            this.decorator = decorator;
            // The instance name and kind go last: an instance tag must not relabel the series of another instance.
            Tags tags = Tags.of(decorator.getTags().entrySet().stream()
                    .map(e -> Tag.of(e.getKey(), e.getValue()))
                    .toList())
                .and(NAME_TAG, decorator.getName());
            Tags successfulTags = tags.and(KIND_TAG, SUCCESSFUL);
            Tags failedTags = tags.and(KIND_TAG, FAILED);

            add(FunctionCounter.builder(names.getRefreshesMetricName(), decorator,
                    d -> d.getMetrics().getNumberOfSuccessfulRefreshes())
                .description(REFRESHES_DESCRIPTION)
                .tags(successfulTags)
                .register(meterRegistry));
            add(FunctionCounter.builder(names.getRefreshesMetricName(), decorator,
                    d -> d.getMetrics().getNumberOfFailedRefreshes())
                .description(REFRESHES_DESCRIPTION)
                .tags(failedTags)
                .register(meterRegistry));
            add(Gauge.builder(names.getWaitingCallsMetricName(), decorator,
                    d -> d.getMetrics().getNumberOfWaitingCalls())
                .description("The number of calls waiting for a token refresh now")
                .tags(tags)
                .register(meterRegistry));
            add(FunctionCounter.builder(names.getCoalescedCallsMetricName(), decorator,
                    d -> d.getMetrics().getNumberOfCoalescedCalls())
                .description("The number of calls that waited for a refresh another call had started")
                .tags(tags)
                .register(meterRegistry));
            add(FunctionCounter.builder(names.getTokenRejectionsMetricName(), decorator,
                    d -> d.getMetrics().getNumberOfRejectedTokens())
                .description("The number of call outcomes that said the token was rejected")
                .tags(tags)
                .register(meterRegistry));
            add(Gauge.builder(names.getTokenRemainingLifetimeMetricName(), decorator,
                    AbstractTokenRefreshMetrics::remainingLifetimeSeconds)
                .description("The time until the current token expires; NaN when unknown")
                .baseUnit("seconds")
                .tags(tags)
                .register(meterRegistry));

            // Timers are fed by events, not read from the decorator. If another binder already registered this
            // decorator's timers in this meter registry, Micrometer hands back the same timers: only their first
            // registrant feeds them, so that a refresh is recorded once.
            boolean feedsTimers = meterRegistry.find(names.getRefreshDurationMetricName())
                .tags(successfulTags).timer() == null;
            DurationTimers successful = new DurationTimers(meterRegistry, successfulTags);
            DurationTimers failed = new DurationTimers(meterRegistry, failedTags);
            if (feedsTimers) {
                decorator.getEventPublisher()
                    .onRefreshSucceeded(event -> successful.record(event.getReason(), event.getElapsedDuration()))
                    .onRefreshFailed(event -> failed.record(event.getReason(), event.getElapsedDuration()));
            }
        }

        /**
         * The refresh timers of one kind, one per {@link RefreshReason} ({@code reason=initial|expired|ahead|rejected|
         * invalidated}). The first refresh is always {@code initial}, so that series exists from the start; the
         * others are registered when first recorded, under the binding's lock, so none outlives {@link #close}.
         */
        private final class DurationTimers {
            private final MeterRegistry meterRegistry;
            private final Tags kindTags;
            private final Map<RefreshReason, Timer> timers = new EnumMap<>(RefreshReason.class);

            DurationTimers(MeterRegistry meterRegistry, Tags kindTags) {
                this.meterRegistry = meterRegistry;
                this.kindTags = kindTags;
                timers.put(RefreshReason.INITIAL, register(RefreshReason.INITIAL));
            }

            void record(RefreshReason reason, Duration elapsed) {
                lock.lock();
                try {
                    if (active) {
                        timers.computeIfAbsent(reason, this::register).record(elapsed);
                    }
                } finally {
                    lock.unlock();
                }
            }

            private Timer register(RefreshReason reason) {
                Timer timer = Timer.builder(names.getRefreshDurationMetricName())
                    .description(DURATION_DESCRIPTION)
                    .tags(kindTags.and(REASON_TAG, reason.name().toLowerCase(Locale.ROOT)))
                    .register(meterRegistry);
                add(timer);
                return timer;
            }
        }

        private void add(Meter meter) {
            meterIds.add(meter.getId());
        }

        void close(MeterRegistry meterRegistry) {
            lock.lock();
            try {
                active = false;
                meterIds.forEach(meterRegistry::remove);
            } finally {
                lock.unlock();
            }
        }
    }
}
