package io.github.tokenrefresh4j.micrometer;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.RefreshReason;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefresher;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

import static io.github.tokenrefresh4j.micrometer.TokenRefreshObservations.NAME_KEY;
import static io.github.tokenrefresh4j.micrometer.TokenRefreshObservations.OUTCOME_KEY;
import static io.github.tokenrefresh4j.micrometer.TokenRefreshObservations.REASON_KEY;

/**
 * The observations of one decorator, put together from the outside (see {@link TokenRefreshObservations}).
 *
 * <p>The life of one refresh observation:
 * <ol>
 *   <li>The thread that starts a refresh hands it to the wrapped executor: the current observation there (the
 *       triggering call's) is captured with the task.</li>
 *   <li>On the executor thread the wrapped refresher starts the refresh observation, child of the captured one
 *       unless the token it replaces says refresh-ahead, and runs the refresher in its scope. It stays open.</li>
 *   <li>The decorator's success or failure event (published on that thread once the refresher returned and the
 *       decorator released the calls, or by the timeout on another) sets the outcome and the reason and stops it,
 *       and stops every wait. An event on the refresher's thread stops that task's own observation only: a new
 *       refresh may have started, and be {@link #current}, between the release and the event.</li>
 *   <li>A refresher call that ends with no event (its late token was discarded, its failure was already counted by
 *       the timeout) is stopped when its task ends, with what the refresher call said; so is a wait that joined
 *       as the timeout released the refresh, if no refresh is in flight then.</li>
 * </ol>
 * {@link #current} holds the task of the running refresher call (the decorator runs at most one at a time), for the
 * timeout's event; each task's observation is stopped once, by whoever sets its {@code ended} first.
 */
final class ObservedRefreshes {

    private static final Logger LOG = Logger.getLogger(ObservedRefreshes.class.getName());
    private static final String SUCCESSFUL = "successful";
    private static final String FAILED = "failed";
    /** The captured context of the task this thread runs, for the refresher it calls. */
    private static final ThreadLocal<Task> TASK = new ThreadLocal<>();

    private final ObservationRegistry registry;
    private final String name;
    private final Clock clock;
    private final Duration refreshAhead;
    private final AtomicReference<Task> current = new AtomicReference<>();
    private final Queue<Observation> waits = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean currentTokenRejected = new AtomicBoolean();
    private volatile String lastOutcome = SUCCESSFUL;
    /** The decorator observed, once built; null for a registry entry that was not built with these wrappers. */
    private volatile TokenRefreshDecorator decorator;

    ObservedRefreshes(ObservationRegistry registry, String name, TokenRefreshConfig config) {
        this.registry = registry;
        this.name = name;
        this.clock = config.getClock();
        this.refreshAhead = config.getRefreshAhead();
    }

    private static final class Task {
        final Observation parent;
        /** Its refresh observation, once the refresher call started; stopped once, by whoever sets {@link #ended}. */
        volatile Observation started;
        final AtomicBoolean ended = new AtomicBoolean();
        volatile String outcome = FAILED;

        Task(Observation parent) {
            this.parent = parent;
        }
    }

    Executor executor(Executor delegate) {
        return task -> {
            Task captured = new Task(registry.getCurrentObservation());
            delegate.execute(() -> {
                Task outer = TASK.get();
                TASK.set(captured);
                try {
                    task.run();
                } finally {
                    if (outer == null) {
                        TASK.remove();
                    } else {
                        TASK.set(outer);
                    }
                    if (captured.started != null) {
                        end(captured, captured.outcome, null);
                        // A wait that joined as a timeout released its refresh was enqueued after that end
                        // stopped the others; a timed-out call that fails ends with no event: stopped here.
                        TokenRefreshDecorator bound = decorator;
                        if (bound != null && !bound.getMetrics().isRefreshInFlight()) {
                            stopWaits(lastOutcome);
                        }
                    }
                }
            });
        };
    }

    TokenRefresher refresher(TokenRefresher delegate) {
        return from -> {
            Task task = TASK.get();
            if (task == null) { // not through the wrapped executor: a root
                task = new Task(null);
            }
            RefreshReason reason = reasonFrom(from);
            // A background refresh is a root: set explicitly, over whatever this executor thread has in scope.
            Observation parent = reason == RefreshReason.AHEAD ? null : task.parent;
            Observation observation = null;
            try {
                observation = Observation.createNotStarted(TokenRefreshObservations.REFRESH_OBSERVATION, registry)
                    .parentObservation(parent)
                    .lowCardinalityKeyValue(NAME_KEY, name)
                    .lowCardinalityKeyValue(REASON_KEY, tag(reason));
                observation.start();
            } catch (RuntimeException brokenHandler) {
                LOG.log(Level.WARNING, "an ObservationHandler threw when the refresh of '" + name + "' started; "
                    + "the refresh runs unobserved", brokenHandler);
                if (observation != null) {
                    stop(observation, FAILED, null); // what the handlers before the broken one started, ended
                }
                return delegate.refresh(from); // tracing never fails a refresh
            }
            task.started = observation;
            current.set(task);
            Observation.Scope scope = null;
            try {
                scope = observation.openScope();
            } catch (RuntimeException brokenHandler) {
                LOG.log(Level.WARNING, "an ObservationHandler threw when the refresh of '" + name + "' opened "
                    + "its scope", brokenHandler);
            }
            try {
                AccessToken token = delegate.refresh(from);
                if (token != null) {
                    task.outcome = SUCCESSFUL;
                }
                return token;
            } finally {
                if (scope != null) {
                    try {
                        scope.close();
                    } catch (RuntimeException brokenHandler) { // the token obtained is not lost to it
                        LOG.log(Level.WARNING, "an ObservationHandler threw when the refresh of '" + name
                            + "' closed its scope", brokenHandler);
                    }
                }
            }
        };
    }

    void bindTo(TokenRefreshDecorator decorator) {
        this.decorator = decorator;
        decorator.getEventPublisher()
            .onRefreshSucceeded(event -> ended(SUCCESSFUL, event.getReason()))
            .onRefreshFailed(event -> ended(FAILED, event.getReason()))
            .onTokenRejected(event -> {
                if (!event.isStale()) {
                    currentTokenRejected.set(true);
                }
            })
            .onCallCoalesced(event -> waiting(decorator));
    }

    /** A refresh ended: stops its observation, if still running, and every wait. */
    private void ended(String outcome, RefreshReason reason) {
        lastOutcome = outcome;
        // A rejection of the token this refresh replaced, by a call that joined it, tells nothing of the next one.
        currentTokenRejected.set(false);
        // On the refresher's thread the event is its own call's, published after the calls were released: by then a
        // new refresh may have started and be current, so only this task's observation is stopped. Elsewhere (the
        // timeout, an executor that refused the task) the refresher call still runs, or never started.
        Task task = TASK.get();
        end(task != null ? task : current.get(), outcome, reason);
        stopWaits(outcome);
    }

    /** Stops the refresh observation of {@code task}, if it has one, once. */
    private void end(Task task, String outcome, RefreshReason reason) {
        if (task == null || task.started == null || !task.ended.compareAndSet(false, true)) {
            return;
        }
        current.compareAndSet(task, null);
        stop(task.started, outcome, reason);
    }

    private void stopWaits(String outcome) {
        for (Observation wait; (wait = waits.poll()) != null; ) {
            stop(wait, outcome, null);
        }
    }

    /** On the thread of a call that joined a refresh another call started: its wait, in its own context. */
    private void waiting(TokenRefreshDecorator decorator) {
        Observation wait = Observation.createNotStarted(TokenRefreshObservations.WAIT_OBSERVATION, registry)
            .lowCardinalityKeyValue(NAME_KEY, name)
            .start();
        waits.add(wait);
        // Enqueued first, checked second: a refresh that ended before the enqueue stopped the others only; this
        // one is stopped here (the end's state change comes before its event).
        if (!decorator.getMetrics().isRefreshInFlight() && waits.remove(wait)) {
            stop(wait, lastOutcome, null);
        }
    }

    /** Stops one observation; a handler that throws is logged, so that the other observations are stopped too. */
    private static void stop(Observation observation, String outcome, RefreshReason reason) {
        try {
            observation.lowCardinalityKeyValue(OUTCOME_KEY, outcome);
            if (reason != null) {
                observation.lowCardinalityKeyValue(REASON_KEY, tag(reason));
            }
            observation.stop();
        } catch (RuntimeException brokenHandler) {
            LOG.log(Level.WARNING, "an ObservationHandler threw when the observation "
                + observation.getContext().getName() + " stopped", brokenHandler);
        }
    }

    /**
     * Why a refresh of {@code from} runs, as far as the token tells; the decorator's event gives the exact reason
     * when the refresh ends. It decides only whether the refresh is a background one (a root).
     */
    private RefreshReason reasonFrom(AccessToken from) {
        boolean rejected = currentTokenRejected.getAndSet(false);
        if (from == null) {
            return RefreshReason.INITIAL;
        }
        if (rejected) {
            return RefreshReason.REJECTED;
        }
        Instant expiresAt = from.expiresAt().orElse(null);
        if (expiresAt == null) {
            return RefreshReason.INVALIDATED;
        }
        Instant now = clock.instant();
        if (!now.isBefore(expiresAt)) {
            return RefreshReason.EXPIRED;
        }
        return Duration.between(now, expiresAt).compareTo(refreshAhead) <= 0
            ? RefreshReason.AHEAD : RefreshReason.INVALIDATED;
    }

    private static String tag(RefreshReason reason) {
        return reason.name().toLowerCase(Locale.ROOT);
    }
}
