package io.github.tokenrefresh4j.micrometer;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.RefreshReason;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Registers and removes the meters of one decorator, shared by {@link TaggedTokenRefreshMetrics} and
 * {@link TaggedTokenRefreshMetricsPublisher} (resilience4j-micrometer's {@code AbstractRetryMetrics} plays this
 * part there).
 *
 * <p>Bindings are kept per meter registry and instance name, and every change to one runs inside
 * {@link ConcurrentMap#compute}, so an entry event and the initial sweep of {@code bindTo} cannot both leave a
 * binding behind for the same name.
 *
 * <p>Across binders: a binding registers all of its meters or none ({@link SharedMeters}); meters that two
 * bindings share (two binders, one meter registry) stay until the last of them is closed; and each decorator gets
 * one timer-feeding consumer for its whole life, which records each refresh once into every distinct timer of the
 * decorator's current bindings.
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

    /**
     * The timer feed of each decorator, across all binders: a decorator's event publisher cannot unregister a
     * consumer, so one is registered per decorator, once. The value is weak: the feed lives as long as the
     * decorator whose consumer holds it. Guarded by {@link SharedMeters#LOCK}.
     */
    private static final Map<TokenRefreshDecorator, WeakReference<RefreshTimerFeed>> FEEDS = new WeakHashMap<>();

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
     * @param wanted checked inside the update of the binding: the decorator is bound only if it still holds, so
     *               that a sweep over a snapshot never resurrects an entry removed meanwhile
     * @throws RuntimeException what registering a meter threw; then none of the decorator's meters is registered
     */
    void addMetrics(MeterRegistry meterRegistry, TokenRefreshDecorator decorator,
                    Predicate<TokenRefreshDecorator> wanted) {
        if (meterRegistry.isClosed()) {
            return; // Micrometer would hand out no-op meters; and a forgotten meter registry stays forgotten
        }
        RuntimeException[] failure = new RuntimeException[1];
        bindingsOf(meterRegistry).compute(decorator.getName(), (name, old) -> {
            if (old != null && old.decorator == decorator) {
                return old;
            }
            if (meterRegistry.isClosed() || !wanted.test(decorator)) {
                return old;
            }
            if (old != null) {
                failure[0] = closeQuietly(old, meterRegistry);
            }
            try {
                return new Binding(meterRegistry, decorator);
            } catch (RuntimeException e) {
                failure[0] = withSuppressed(e, failure[0]);
                return null;
            }
        });
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    /**
     * Removes the meters of {@code decorator}, but not those of a newer decorator that took its name, nor those
     * another binding still holds.
     */
    void removeMetrics(MeterRegistry meterRegistry, TokenRefreshDecorator decorator) {
        removeMetrics(meterRegistry, decorator, unbound -> { });
    }

    /**
     * Like {@link #removeMetrics(MeterRegistry, TokenRefreshDecorator)}.
     *
     * @param notBound called with {@code decorator} when it is not bound, inside the update of the binding, so that
     *                 it is ordered with an {@link #addMetrics} of the same decorator
     */
    void removeMetrics(MeterRegistry meterRegistry, TokenRefreshDecorator decorator,
                       Consumer<TokenRefreshDecorator> notBound) {
        RuntimeException[] failure = new RuntimeException[1];
        bindingsOf(meterRegistry).compute(decorator.getName(), (name, old) -> {
            if (old == null || old.decorator != decorator) {
                notBound.accept(decorator);
                return old;
            }
            failure[0] = closeQuietly(old, meterRegistry);
            return null;
        });
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    /**
     * Removes every binding in {@code meterRegistry} and forgets it: for a meter registry that was closed, whose
     * bindings would otherwise keep it and feed its timers for as long as the decorators live. What removing a meter
     * throws is dropped: the meter registry is closed.
     */
    void forget(MeterRegistry meterRegistry) {
        ConcurrentMap<String, Binding> byName = bindings.remove(meterRegistry);
        if (byName == null) {
            return;
        }
        for (String name : byName.keySet()) {
            byName.computeIfPresent(name, (key, binding) -> {
                closeQuietly(binding, meterRegistry);
                return null;
            });
        }
    }

    private ConcurrentMap<String, Binding> bindingsOf(MeterRegistry meterRegistry) {
        return bindings.computeIfAbsent(meterRegistry, registry -> new ConcurrentHashMap<>());
    }

    /** Closes {@code binding}; what the meter registry threw on removal is returned, so the binding is dropped. */
    private static RuntimeException closeQuietly(Binding binding, MeterRegistry meterRegistry) {
        try {
            binding.close(meterRegistry);
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    private static RuntimeException withSuppressed(RuntimeException e, RuntimeException earlier) {
        if (earlier != null) {
            e.addSuppressed(earlier);
        }
        return e;
    }

    /**
     * Seconds until the latest token expires: negative once it has, NaN without a token or a known expiry. The
     * latest token is the one the decorator holds, whether or not a call has rejected it or {@link
     * TokenRefreshDecorator#invalidate()} has marked it unusable: it is replaced only by a refresh that succeeds.
     */
    static double remainingLifetimeSeconds(TokenRefreshDecorator decorator) {
        AccessToken token = decorator.currentToken();
        Instant expiresAt = token == null ? null : token.expiresAt().orElse(null);
        if (expiresAt == null) {
            return Double.NaN;
        }
        return secondsUntil(decorator, expiresAt);
    }

    private static double secondsUntil(TokenRefreshDecorator decorator, Instant instant) {
        Duration remaining = Duration.between(decorator.getTokenRefreshConfig().getClock().instant(), instant);
        return remaining.getSeconds() + remaining.getNano() / 1e9;
    }

    /** Seconds until the failure cooldown ends by the decorator's clock; 0 when none is in force. */
    static double cooldownRemainingSeconds(TokenRefreshDecorator decorator) {
        Instant end = decorator.getMetrics().getCooldownEnd().orElse(null);
        if (end == null) {
            return 0;
        }
        return Math.max(0, secondsUntil(decorator, end));
    }

    /** The feed of {@code decorator}, created with its one event consumer on first use. */
    private static RefreshTimerFeed feedOf(TokenRefreshDecorator decorator) {
        synchronized (SharedMeters.LOCK) {
            WeakReference<RefreshTimerFeed> existing = FEEDS.get(decorator);
            RefreshTimerFeed feed = existing == null ? null : existing.get();
            if (feed == null) {
                feed = new RefreshTimerFeed();
                FEEDS.put(decorator, new WeakReference<>(feed));
                RefreshTimerFeed timers = feed;
                // Timers are fed by events, not read from the decorator: each refresh is recorded once into each
                // distinct timer of the decorator's current bindings.
                decorator.getEventPublisher()
                    .onRefreshSucceeded(event -> {
                        for (Binding binding : timers.feeding) {
                            binding.successful.get(event.getReason()).record(event.getElapsedDuration());
                        }
                    })
                    .onRefreshFailed(event -> {
                        for (Binding binding : timers.feeding) {
                            binding.failed.get(event.getReason()).record(event.getElapsedDuration());
                        }
                    });
            }
            return feed;
        }
    }

    /**
     * The current bindings of one decorator, in every binder and meter registry. Two bindings that got the same
     * timers from Micrometer (two binders on one meter registry, whatever its filters renamed) feed them once.
     */
    private static final class RefreshTimerFeed {

        private final List<Binding> bindings = new ArrayList<>(); // guarded by SharedMeters.LOCK
        /** One binding per distinct pair of timers, read by the event consumer without a lock. */
        volatile List<Binding> feeding = List.of();

        void add(Binding binding) {
            synchronized (SharedMeters.LOCK) {
                bindings.add(binding);
                refresh();
            }
        }

        void remove(Binding binding) {
            synchronized (SharedMeters.LOCK) {
                bindings.remove(binding);
                refresh();
            }
        }

        private void refresh() {
            List<Binding> distinct = new ArrayList<>(bindings.size());
            for (Binding binding : bindings) {
                if (distinct.stream().noneMatch(d -> d.firstTimer() == binding.firstTimer())) {
                    distinct.add(binding);
                }
            }
            feeding = List.copyOf(distinct);
        }
    }

    /** The meters of one decorator in one meter registry. */
    private final class Binding {

        final TokenRefreshDecorator decorator;
        /** One timer per {@link RefreshReason} and outcome, all registered with the binding: all or none. */
        final Map<RefreshReason, Timer> successful = new EnumMap<>(RefreshReason.class);
        final Map<RefreshReason, Timer> failed = new EnumMap<>(RefreshReason.class);
        private final List<Meter> meters;
        private final RefreshTimerFeed feed;
        private boolean closed; // changed only inside the compute of this binding's name

        Binding(MeterRegistry meterRegistry, TokenRefreshDecorator decorator) {
            this.decorator = decorator;
            // The instance name and kind go last: an instance tag must not relabel the series of another instance.
            Tags tags = Tags.of(decorator.getTags().entrySet().stream()
                    .map(e -> Tag.of(e.getKey(), e.getValue()))
                    .toList())
                .and(NAME_TAG, decorator.getName());
            Tags successfulTags = tags.and(KIND_TAG, SUCCESSFUL);
            Tags failedTags = tags.and(KIND_TAG, FAILED);

            RefreshReason[] reasons = RefreshReason.values();
            List<Supplier<Meter>> registrations = new ArrayList<>();
            for (Tags kindTags : List.of(successfulTags, failedTags)) {
                for (RefreshReason reason : reasons) {
                    registrations.add(() -> Timer.builder(names.getRefreshDurationMetricName())
                        .description(DURATION_DESCRIPTION)
                        .tags(kindTags.and(REASON_TAG, reason.name().toLowerCase(Locale.ROOT)))
                        .register(meterRegistry));
                }
            }
            registrations.addAll(List.of(
                () -> FunctionCounter.builder(names.getRefreshesMetricName(), decorator,
                        d -> d.getMetrics().getNumberOfSuccessfulRefreshes())
                    .description(REFRESHES_DESCRIPTION)
                    .tags(successfulTags)
                    .register(meterRegistry),
                () -> FunctionCounter.builder(names.getRefreshesMetricName(), decorator,
                        d -> d.getMetrics().getNumberOfFailedRefreshes())
                    .description(REFRESHES_DESCRIPTION)
                    .tags(failedTags)
                    .register(meterRegistry),
                () -> Gauge.builder(names.getWaitingCallsMetricName(), decorator,
                        d -> d.getMetrics().getNumberOfWaitingCalls())
                    .description("The number of calls waiting for a token refresh now")
                    .tags(tags)
                    .register(meterRegistry),
                () -> FunctionCounter.builder(names.getCoalescedCallsMetricName(), decorator,
                        d -> d.getMetrics().getNumberOfCoalescedCalls())
                    .description("The number of calls that waited for a refresh another call had started")
                    .tags(tags)
                    .register(meterRegistry),
                () -> FunctionCounter.builder(names.getTokenRejectionsMetricName(), decorator,
                        d -> d.getMetrics().getNumberOfRejectedTokens())
                    .description("The number of call outcomes that said the token was rejected")
                    .tags(tags)
                    .register(meterRegistry),
                () -> Gauge.builder(names.getTokenRemainingLifetimeMetricName(), decorator,
                        AbstractTokenRefreshMetrics::remainingLifetimeSeconds)
                    .description("The time until the latest token expires; NaN when unknown")
                    .baseUnit("seconds")
                    .tags(tags)
                    .register(meterRegistry),
                () -> Gauge.builder(names.getConsecutiveFailuresMetricName(), decorator,
                        d -> d.getMetrics().getNumberOfConsecutiveFailures())
                    .description("The number of refreshes that failed in a row since the last one that obtained a token")
                    .tags(tags)
                    .register(meterRegistry),
                () -> Gauge.builder(names.getCooldownRemainingMetricName(), decorator,
                        AbstractTokenRefreshMetrics::cooldownRemainingSeconds)
                    .description("The time until the failure cooldown ends; 0 when none is in force")
                    .baseUnit("seconds")
                    .tags(tags)
                    .register(meterRegistry)));
            meters = SharedMeters.acquireAll(meterRegistry, decorator, registrations);
            for (int i = 0; i < reasons.length; i++) {
                successful.put(reasons[i], (Timer) meters.get(i));
                failed.put(reasons[i], (Timer) meters.get(reasons.length + i));
            }
            try {
                feed = feedOf(decorator);
                feed.add(this);
            } catch (RuntimeException e) {
                SharedMeters.releaseAll(meterRegistry, meters);
                throw e;
            }
        }

        /** Two bindings that got this same timer from Micrometer got all the same timers. */
        Timer firstTimer() {
            return successful.get(RefreshReason.INITIAL);
        }

        void close(MeterRegistry meterRegistry) {
            if (closed) {
                return;
            }
            closed = true;
            feed.remove(this);
            SharedMeters.releaseAll(meterRegistry, meters);
        }
    }
}
