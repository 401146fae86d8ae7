package io.github.tokenrefresh4j.internal;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.core.functions.CheckedFunction;
import io.github.resilience4j.core.functions.CheckedSupplier;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefresher;
import io.github.tokenrefresh4j.event.CallCoalescedEvent;
import io.github.tokenrefresh4j.event.RefreshRefusedEvent;
import io.github.tokenrefresh4j.event.TokenRefreshFailedEvent;
import io.github.tokenrefresh4j.event.TokenRefreshSucceededEvent;
import io.github.tokenrefresh4j.event.TokenRejectedEvent;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@link TokenRefreshDecorator}: one immutable {@link State} snapshot behind one volatile field, changed only
 * by compare-and-set. No lock is held around user code: the decorated call runs on the caller's thread with
 * nothing held, the refresher runs on the refresh executor with nothing held.
 *
 * <h2>State</h2>
 * A snapshot holds the current {@code token} (null before the first acquisition), whether it was
 * {@code rejected} (by a call's outcome or by {@link #invalidate()}), its expiry, the {@code refresh} in flight (or
 * none), and the count of consecutive failed refreshes with the end of the failure cooldown. A token is
 * <em>usable</em> when it is present, not rejected, and not expired. The field {@code fastToken} equals
 * {@code token} while the token is usable without reading the clock, and is null otherwise.
 *
 * <h2>Transitions</h2>
 * <ol>
 *   <li><b>start</b> (any caller): no refresh in flight, the token is not usable (or is rejected by the caller),
 *       no cooldown in force: install a new {@code Refresh} and launch the refresher. A caller whose own rejected
 *       token is current also marks it rejected. The caller that wins this CAS is the leader; it waits like any
 *       other call.</li>
 *   <li><b>join</b> (any caller): a refresh is in flight and the token is not usable: wait for that refresh
 *       (coalesced).</li>
 *   <li><b>ahead</b> (any caller): the token is usable, its refresh-ahead instant has passed, no refresh in
 *       flight, no cooldown: install a background {@code Refresh}; the caller goes on with the old token.</li>
 *   <li><b>succeed</b> (the refresher's thread): if the refresh is still the one in flight, install its token
 *       (clearing rejection, failures and cooldown), then complete its future. Otherwise the result is late and
 *       is discarded.</li>
 *   <li><b>fail</b> (the refresher's thread, or the timeout task): if the refresh is still the one in flight, clear
 *       it, keep the old token as it was (still usable only if it is unexpired and not rejected), count the
 *       failure and start the cooldown, then fail its future.</li>
 *   <li><b>reject</b> (a caller whose outcome rejected the token): if its token is no longer the current one, the
 *       rejection is stale: retry with the current token (which may mean joining a refresh), start nothing.
 *       Otherwise join or start a refresh as above, marking the token rejected.</li>
 *   <li><b>slow down</b> (the scheduler, at the token's check instant): clear {@code fastToken}, so that calls
 *       read the clock from now on. {@link #invalidate()} clears it too and marks the token rejected.</li>
 * </ol>
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>At most one refresh is in flight; its future is completed only by the thread whose CAS removed it from
 *       the state, and only after that CAS. So a call woken by the future always finds its token installed, and a
 *       late result of a refresh abandoned by the timeout can never be installed.</li>
 *   <li>A rejected or expired token is never handed to a call. {@code fastToken} is cleared at
 *       {@code expiresAt - max(effective refreshAhead, min(1s, lifetime/2))}; from then on every call reads the
 *       clock. With a non-default clock, tokens that expire are never on the fast path.</li>
 *   <li>Every call makes at most {@code maxRefreshAttemptsPerCall} retries after rejections.</li>
 *   <li>Every waiting call is released when its refresh completes, fails or times out; the timeout is
 *       scheduled before the refresher is handed to its executor, and a refresh whose timeout cannot be scheduled
 *       fails at once. The future is completed after metrics and events, in a {@code finally}, so nothing a
 *       consumer throws can leave a waiter behind.</li>
 *   <li>A call with a usable token on the fast path reads one volatile field, takes no lock and allocates
 *       nothing.</li>
 * </ul>
 */
public final class TokenRefreshDecoratorImpl implements TokenRefreshDecorator {

    /** Calls read the clock from at least this long before a known expiry, so a late scheduler cannot leak it. */
    static final Duration MIN_CLOCK_CHECK_AHEAD = Duration.ofSeconds(1);

    private static final Logger LOG = Logger.getLogger(TokenRefreshDecoratorImpl.class.getName());
    private static final VarHandle STATE;
    /** The decorator whose refresher runs on this thread, to catch a refresher calling through its decorator. */
    private static final ThreadLocal<TokenRefreshDecoratorImpl> REFRESHING = new ThreadLocal<>();

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(TokenRefreshDecoratorImpl.class, "state", State.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final TokenRefreshConfig config;
    private final TokenRefresher refresher;
    private final Map<String, String> tags;
    private final Predicate<Throwable> refreshOnException;
    private final Predicate<Object> refreshOnResult;
    private final Consumer<Object> consumeResultBeforeRetryAttempt;
    private final int maxRefreshAttemptsPerCall;
    private final Duration refreshAhead;
    private final long refreshTimeoutNanos;
    private final IntervalFunction failureCooldown;
    private final Clock clock;
    private final boolean fastPathAllowed;
    private final Executor executor;
    private final ScheduledExecutorService scheduler;
    /** Per thread, the token bound to the attempt running on it: a mutable holder, so a call costs one lookup. */
    private final ThreadLocal<Binding> binding = new ThreadLocal<>();
    private final TokenRefreshEventProcessor events = new TokenRefreshEventProcessor();
    private final DecoratorMetrics metrics = new DecoratorMetrics();

    @SuppressWarnings("unused") // accessed through STATE
    private volatile State state = State.INITIAL;

    public TokenRefreshDecoratorImpl(String name, TokenRefreshConfig config, TokenRefresher refresher,
                                     Map<String, String> tags) {
        this.name = Objects.requireNonNull(name, "name must not be null");
        this.config = Objects.requireNonNull(config, "config must not be null");
        this.refresher = Objects.requireNonNull(refresher, "refresher must not be null");
        this.tags = Collections.unmodifiableMap(new HashMap<>(Objects.requireNonNull(tags, "tags must not be null")));
        this.refreshOnException = config.getRefreshOnException();
        this.refreshOnResult = config.getRefreshOnResult();
        this.consumeResultBeforeRetryAttempt = config.getConsumeResultBeforeRetryAttempt();
        this.maxRefreshAttemptsPerCall = config.getMaxRefreshAttemptsPerCall();
        this.refreshAhead = config.getRefreshAhead();
        this.refreshTimeoutNanos = config.getRefreshTimeout().toNanos();
        this.failureCooldown = config.getFailureCooldown();
        this.clock = config.getClock();
        this.fastPathAllowed = clock.equals(Clock.systemUTC());
        this.executor = config.getRefreshExecutor();
        this.scheduler = config.getScheduler();
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public TokenRefreshConfig getTokenRefreshConfig() {
        return config;
    }

    @Override
    public Map<String, String> getTags() {
        return tags;
    }

    @Override
    public AccessToken currentToken() {
        Binding bound = binding.get();
        return bound != null && bound.token != null ? bound.token : state.token;
    }

    @Override
    public void invalidate() {
        for (;;) {
            State s = state;
            if (s.token == null || s.rejected || casState(s, s.rejectToken())) {
                return;
            }
        }
    }

    @Override
    public Metrics getMetrics() {
        return metrics;
    }

    @Override
    public EventPublisher getEventPublisher() {
        return events;
    }

    @Override
    public <T> T executeCheckedFunction(CheckedFunction<AccessToken, T> function) throws Throwable {
        return execute(Objects.requireNonNull(function, "function must not be null"), null);
    }

    @Override
    public <T> T executeCheckedSupplier(CheckedSupplier<T> supplier) throws Throwable {
        return execute(null, Objects.requireNonNull(supplier, "supplier must not be null"));
    }

    @Override
    public <T> CompletionStage<T> executeCompletionStage(
        Function<AccessToken, ? extends CompletionStage<T>> function) {
        Objects.requireNonNull(function, "function must not be null");
        CompletableFuture<T> promise = new CompletableFuture<>();
        new AsyncCall<>(function, promise).acquireThenCall(null);
        return promise;
    }

    @Override
    public String toString() {
        return "TokenRefreshDecorator '" + name + "'";
    }

    /** The one call loop. Exactly one of {@code function} and {@code supplier} is set. */
    private <T> T execute(CheckedFunction<AccessToken, T> function, CheckedSupplier<T> supplier) throws Throwable {
        AccessToken token = state.fastToken;
        if (token == null) {
            token = await(acquire(null));
        }
        for (int retries = 0; ; retries++) {
            T result;
            try {
                result = function != null ? function.apply(token) : callBound(supplier, token);
            } catch (Throwable t) {
                if (!refreshOnException.test(unwrap(t))) {
                    throw t;
                }
                onRejected(token);
                if (retries >= maxRefreshAttemptsPerCall) {
                    throw t;
                }
                token = await(acquire(token));
                continue;
            }
            if (!refreshOnResult.test(result)) {
                return result;
            }
            onRejected(token);
            if (retries >= maxRefreshAttemptsPerCall) {
                return result;
            }
            consumeResultBeforeRetryAttempt.accept(result);
            token = await(acquire(token));
        }
    }

    private <T> T callBound(CheckedSupplier<T> supplier, AccessToken token) throws Throwable {
        Binding bound = binding.get();
        if (bound == null) {
            // kept for the thread's life, so that later calls neither allocate nor look up twice
            bound = new Binding();
            binding.set(bound);
        }
        AccessToken previous = bound.token; // a decorated call nested in another on the same thread
        bound.token = token;
        try {
            return supplier.get();
        } finally {
            bound.token = previous;
        }
    }

    /** The token bound to this thread's running attempt; touched only by its own thread. */
    private static final class Binding {
        AccessToken token;
    }

    /**
     * The slow path: returns a usable token, or the {@link Refresh} to wait for. Throws when a new token is needed
     * but cannot be asked for (cooldown, or a refresher calling through its own decorator).
     *
     * @param rejected the token a call's outcome rejected, or null
     */
    private Object acquire(AccessToken rejected) {
        Instant now = null;
        for (;;) {
            State s = state;
            boolean rejectsCurrent = rejected != null && s.token == rejected;
            if (!rejectsCurrent) {
                if (s.fastToken != null) {
                    return s.fastToken;
                }
                if (s.token != null && !s.rejected) {
                    if (s.expiresAt == null) {
                        return s.token;
                    }
                    if (now == null) {
                        now = clock.instant();
                    }
                    if (now.isBefore(s.expiresAt)) {
                        if (s.refreshAt != null && !now.isBefore(s.refreshAt) && s.refresh == null
                            && !s.inCooldown(now)) {
                            Refresh refresh = new Refresh(s.token, true);
                            if (!casState(s, s.startRefresh(refresh, false))) {
                                continue;
                            }
                            launch(refresh);
                        }
                        return s.token;
                    }
                }
            }
            // A new token is needed.
            if (REFRESHING.get() == this) {
                throw new IllegalStateException("the refresher of TokenRefreshDecorator '" + name
                    + "' called through its own decorator and needed a new token; a refresher must obtain its "
                    + "token without the decorator it serves");
            }
            if (s.refresh != null) {
                if (rejectsCurrent && !s.rejected && !casState(s, s.rejectToken())) {
                    continue;
                }
                metrics.coalescedCalls.increment();
                if (events.hasConsumers()) {
                    events.publish(new CallCoalescedEvent(name, ZonedDateTime.now(clock)));
                }
                return s.refresh;
            }
            if (now == null) {
                now = clock.instant();
            }
            if (s.inCooldown(now)) {
                throw refused(s, now);
            }
            Refresh refresh = new Refresh(s.token, false);
            if (casState(s, s.startRefresh(refresh, rejectsCurrent))) {
                launch(refresh);
                return refresh;
            }
        }
    }

    private AccessToken await(Object acquired) {
        if (acquired instanceof AccessToken) {
            return (AccessToken) acquired;
        }
        CompletableFuture<AccessToken> future = ((Refresh) acquired).future;
        metrics.waitingCalls.incrementAndGet();
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenRefreshException("interrupted while waiting for the token refresh of '" + name
                + "'; the refresh goes on for other calls", e);
        } catch (ExecutionException e) {
            throw forWaiter(e.getCause());
        } finally {
            metrics.waitingCalls.decrementAndGet();
        }
    }

    private void onRejected(AccessToken token) {
        metrics.rejectedTokens.increment();
        if (events.hasConsumers()) {
            events.publish(new TokenRejectedEvent(name, ZonedDateTime.now(clock), state.token != token));
        }
    }

    private void launch(Refresh refresh) {
        try {
            refresh.timeout = scheduler.schedule(() -> offScheduler(() -> fail(refresh,
                    new TimeoutException("the refresher did not return within " + config.getRefreshTimeout()))),
                refreshTimeoutNanos, TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) {
            fail(refresh, e); // without a timeout no waiter may be left waiting: the refresh is not started
            return;
        }
        try {
            executor.execute(() -> runRefresher(refresh));
        } catch (RuntimeException e) {
            fail(refresh, e);
        }
    }

    /**
     * Completing a timed-out refresh runs async waiters' callbacks, which must not run on the shared scheduler. It
     * goes to the library's own unbounded pool, never to the configured executor, whose threads may all be stuck in
     * the very refreshers that are timing out.
     */
    private static void offScheduler(Runnable task) {
        try {
            RefreshExecutors.defaultExecutor().execute(task);
        } catch (RuntimeException e) {
            task.run();
        }
    }

    private void runRefresher(Refresh refresh) {
        TokenRefreshDecoratorImpl outer = REFRESHING.get();
        REFRESHING.set(this);
        AccessToken token;
        try {
            token = refresher.refresh(refresh.current);
        } catch (Throwable t) {
            fail(refresh, t);
            return;
        } finally {
            REFRESHING.set(outer);
        }
        succeed(refresh, token);
    }

    private void succeed(Refresh refresh, AccessToken token) {
        Instant now = clock.instant();
        if (token == null) {
            fail(refresh, new IllegalStateException("the refresher returned null instead of a token"));
            return;
        }
        Instant expiresAt = token.expiresAt().orElse(null);
        if (expiresAt != null && !now.isBefore(expiresAt)) {
            fail(refresh, new IllegalStateException(
                "the refresher returned a token that expired at " + expiresAt + ", not after now (" + now + ")"));
            return;
        }
        State next = State.installed(token, now, expiresAt, refreshAhead, fastPathAllowed);
        for (;;) {
            State s = state;
            if (s.refresh != refresh) {
                return; // abandoned after its timeout: a late token never replaces a newer one
            }
            if (casState(s, next)) {
                break;
            }
        }
        cancelTimeout(refresh);
        if (next.fastToken != null && next.checkAt != null) {
            // measured now, not from before the CAS: a pause in between must not make the slow-down late
            long delayNanos = Duration.between(clock.instant(), next.checkAt).toNanos();
            try {
                scheduler.schedule(() -> slowDown(token), delayNanos, TimeUnit.NANOSECONDS);
            } catch (RuntimeException e) {
                slowDown(token); // without the deadline, calls read the clock from now on: correct, a bit slower
            }
        }
        try {
            metrics.successfulRefreshes.increment();
            if (events.hasConsumers()) {
                events.publish(new TokenRefreshSucceededEvent(name, ZonedDateTime.now(clock), refresh.elapsed(),
                    refresh.background));
            }
        } finally {
            refresh.future.complete(token); // whatever a consumer threw, no waiter is left behind
        }
    }

    private void fail(Refresh refresh, Throwable cause) {
        Instant now = clock.instant();
        long cooldownMillis;
        for (;;) {
            State s = state;
            if (s.refresh != refresh) {
                return;
            }
            int failures = s.failures + 1;
            cooldownMillis = cooldownMillis(failures);
            if (casState(s, s.failRefresh(failures, now.plusMillis(cooldownMillis), cause))) {
                break;
            }
        }
        cancelTimeout(refresh);
        String what = cause instanceof TimeoutException
            ? "timed out after " + config.getRefreshTimeout() + "; the calls waiting for it were released and a "
                + "late result will be discarded"
            : "failed";
        // The refresher's own message is already in the cause chain that every log prints; repeating it here
        // tells the caller what happened without digging.
        TokenRefreshException failure = new TokenRefreshException("token refresh of '" + name + "' " + what
            + "; next attempt allowed in " + cooldownMillis + "ms; cause: " + cause, cause);
        try {
            metrics.failedRefreshes.increment();
            if (events.hasConsumers()) {
                events.publish(new TokenRefreshFailedEvent(name, ZonedDateTime.now(clock), refresh.elapsed(), cause,
                    Duration.ofMillis(cooldownMillis)));
            }
        } finally {
            refresh.future.completeExceptionally(failure);
        }
    }

    /** A cooldown function that throws must not leave waiters behind: it then means no cooldown. */
    private long cooldownMillis(int failures) {
        try {
            Long millis = failureCooldown.apply(failures);
            return millis == null ? 0L : Math.max(0L, millis);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the failureCooldown function of TokenRefreshDecorator '" + name
                + "' threw; no cooldown is applied", e);
            return 0L;
        }
    }

    private void slowDown(AccessToken token) {
        for (;;) {
            State s = state;
            if (s.fastToken != token || casState(s, s.withoutFastPath())) {
                return;
            }
        }
    }

    private TokenRefreshException refused(State s, Instant now) {
        Duration remaining = Duration.between(now, s.retryAt);
        if (events.hasConsumers()) {
            events.publish(new RefreshRefusedEvent(name, ZonedDateTime.now(clock), remaining));
        }
        return new TokenRefreshException("token refresh of '" + name + "' refused during the failure cooldown; "
            + "next attempt allowed in " + remaining.toMillis() + "ms; cause of the last failure: " + s.lastFailure,
            s.lastFailure);
    }

    /** Each waiter gets its own exception, with its own stack trace, and the refresher's cause. */
    private static TokenRefreshException forWaiter(Throwable failure) {
        return new TokenRefreshException(failure.getMessage(), failure.getCause());
    }

    private static void cancelTimeout(Refresh refresh) {
        Future<?> timeout = refresh.timeout;
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    private static Throwable unwrap(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
            && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private boolean casState(State expected, State next) {
        return STATE.compareAndSet(this, expected, next);
    }

    /** One asynchronous call: it waits for refreshes by callback, holding no thread. */
    private final class AsyncCall<T> implements BiConsumer<T, Throwable> {

        private final Function<AccessToken, ? extends CompletionStage<T>> function;
        private final CompletableFuture<T> promise;
        private AccessToken token;
        private int retries;

        AsyncCall(Function<AccessToken, ? extends CompletionStage<T>> function, CompletableFuture<T> promise) {
            this.function = function;
            this.promise = promise;
        }

        void acquireThenCall(AccessToken rejected) {
            Object acquired;
            try {
                acquired = acquire(rejected);
            } catch (Throwable t) {
                promise.completeExceptionally(t);
                return;
            }
            if (acquired instanceof AccessToken) {
                call((AccessToken) acquired);
                return;
            }
            metrics.waitingCalls.incrementAndGet();
            ((Refresh) acquired).future.whenComplete((newToken, failure) -> {
                metrics.waitingCalls.decrementAndGet();
                if (failure != null) {
                    promise.completeExceptionally(forWaiter(failure));
                } else {
                    call(newToken);
                }
            });
        }

        private void call(AccessToken token) {
            if (promise.isDone()) {
                return; // cancelled by its caller while it waited
            }
            this.token = token;
            CompletionStage<T> stage;
            try {
                stage = function.apply(token);
            } catch (Throwable t) {
                accept(null, t);
                return;
            }
            if (stage == null) {
                promise.completeExceptionally(new NullPointerException("the decorated call returned null "
                    + "instead of a CompletionStage"));
                return;
            }
            stage.whenComplete(this);
        }

        @Override
        public void accept(T result, Throwable failure) {
            try {
                Throwable cause = failure == null ? null : unwrap(failure);
                boolean rejected = cause != null ? refreshOnException.test(cause) : refreshOnResult.test(result);
                if (rejected) {
                    onRejected(token);
                    if (retries < maxRefreshAttemptsPerCall) {
                        retries++;
                        if (cause == null) {
                            consumeResultBeforeRetryAttempt.accept(result);
                        }
                        acquireThenCall(token);
                        return;
                    }
                }
                if (cause != null) {
                    promise.completeExceptionally(cause);
                } else {
                    promise.complete(result);
                }
            } catch (Throwable t) {
                promise.completeExceptionally(t);
            }
        }
    }

    /** One refresher call and the calls waiting for it. */
    private static final class Refresh {
        final CompletableFuture<AccessToken> future = new CompletableFuture<>();
        final AccessToken current;
        final boolean background;
        final long startNanos = System.nanoTime();
        volatile Future<?> timeout;

        Refresh(AccessToken current, boolean background) {
            this.current = current;
            this.background = background;
        }

        Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - startNanos);
        }
    }

    /** An immutable snapshot of the decorator. See the class javadoc. */
    private static final class State {
        static final State INITIAL = new State(null, null, false, null, null, null, null, 0, null, null);

        final AccessToken token;
        final AccessToken fastToken;
        final boolean rejected;
        final Instant expiresAt;
        final Instant refreshAt;
        final Instant checkAt;
        final Refresh refresh;
        final int failures;
        final Instant retryAt;
        final Throwable lastFailure;

        private State(AccessToken token, AccessToken fastToken, boolean rejected, Instant expiresAt,
                      Instant refreshAt, Instant checkAt, Refresh refresh, int failures, Instant retryAt,
                      Throwable lastFailure) {
            this.token = token;
            this.fastToken = fastToken;
            this.rejected = rejected;
            this.expiresAt = expiresAt;
            this.refreshAt = refreshAt;
            this.checkAt = checkAt;
            this.refresh = refresh;
            this.failures = failures;
            this.retryAt = retryAt;
            this.lastFailure = lastFailure;
        }

        static State installed(AccessToken token, Instant now, Instant expiresAt, Duration refreshAhead,
                               boolean fastPathAllowed) {
            if (expiresAt == null) {
                return new State(token, token, false, null, null, null, null, 0, null, null);
            }
            Duration halfLife = Duration.between(now, expiresAt).dividedBy(2);
            Duration ahead = min(refreshAhead, halfLife);
            Duration clockAhead = max(ahead, min(MIN_CLOCK_CHECK_AHEAD, halfLife));
            Instant refreshAt = ahead.isZero() ? null : expiresAt.minus(ahead);
            Instant checkAt = expiresAt.minus(clockAhead);
            AccessToken fastToken = fastPathAllowed && now.isBefore(checkAt) ? token : null;
            return new State(token, fastToken, false, expiresAt, refreshAt, checkAt, null, 0, null, null);
        }

        boolean inCooldown(Instant now) {
            return failures > 0 && now.isBefore(retryAt);
        }

        State startRefresh(Refresh newRefresh, boolean rejectToken) {
            return new State(token, rejectToken ? null : fastToken, rejected || rejectToken, expiresAt, refreshAt,
                checkAt, newRefresh, failures, retryAt, lastFailure);
        }

        State rejectToken() {
            return new State(token, null, true, expiresAt, refreshAt, checkAt, refresh, failures, retryAt,
                lastFailure);
        }

        State withoutFastPath() {
            return new State(token, null, rejected, expiresAt, refreshAt, checkAt, refresh, failures, retryAt,
                lastFailure);
        }

        State failRefresh(int newFailures, Instant newRetryAt, Throwable failure) {
            return new State(token, fastToken, rejected, expiresAt, refreshAt, checkAt, null, newFailures,
                newRetryAt, failure);
        }

        private static Duration min(Duration a, Duration b) {
            return a.compareTo(b) <= 0 ? a : b;
        }

        private static Duration max(Duration a, Duration b) {
            return a.compareTo(b) >= 0 ? a : b;
        }
    }

    private final class DecoratorMetrics implements Metrics {
        final LongAdder successfulRefreshes = new LongAdder();
        final LongAdder failedRefreshes = new LongAdder();
        final LongAdder coalescedCalls = new LongAdder();
        final LongAdder rejectedTokens = new LongAdder();
        final AtomicInteger waitingCalls = new AtomicInteger();

        @Override
        public long getNumberOfSuccessfulRefreshes() {
            return successfulRefreshes.sum();
        }

        @Override
        public long getNumberOfFailedRefreshes() {
            return failedRefreshes.sum();
        }

        @Override
        public int getNumberOfWaitingCalls() {
            return waitingCalls.get();
        }

        @Override
        public long getNumberOfCoalescedCalls() {
            return coalescedCalls.sum();
        }

        @Override
        public long getNumberOfRejectedTokens() {
            return rejectedTokens.sum();
        }

        @Override
        public boolean isRefreshInFlight() {
            return state.refresh != null;
        }

        @Override
        public int getNumberOfConsecutiveFailures() {
            return state.failures;
        }

        @Override
        public Optional<Instant> getCooldownEnd() {
            State s = state;
            return s.failures > 0 ? Optional.ofNullable(s.retryAt) : Optional.empty();
        }
    }
}
