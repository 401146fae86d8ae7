package io.github.tokenrefresh4j.internal;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.core.functions.CheckedFunction;
import io.github.resilience4j.core.functions.CheckedSupplier;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.RefreshReason;
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
import java.lang.ref.WeakReference;
import java.time.Clock;
import java.time.DateTimeException;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@link TokenRefreshDecorator}: one immutable {@code State} snapshot behind one volatile field, changed only
 * by compare-and-set through {@code transition}. No lock is held around user code: the decorated call runs on the
 * caller's thread with nothing held, the refresher runs on the refresh executor with nothing held.
 *
 * <h2>State</h2>
 * A snapshot holds:
 * <ul>
 *   <li>the current {@code token} (null before the first refresh) and its {@code Deadlines} (refresh-ahead, clock
 *       check, expiry; none when the expiry is unknown);</li>
 *   <li>{@code rejectedBy}: null, or why the token may no longer be handed out ({@code REJECTED} by a call's
 *       outcome, {@code INVALIDATED} by {@link #invalidate()});</li>
 *   <li>{@code accepted}: a call returned an outcome with this token that was not a rejection;</li>
 *   <li>{@code fastToken}: the token while calls may use it without reading the clock, else null;</li>
 *   <li>{@code refresh}: the one refresher call running, or null; {@code wait}: the calls waiting for it, bounded
 *       by the refresh timeout, or null (a refresher call abandoned by its timeout runs on without waiters);</li>
 *   <li>{@code Cooldown}: consecutive failures and the instant before which no refresher call may start;
 *       {@code rejectedUnused}: how many refreshes in a row produced a token rejected before it was accepted.</li>
 * </ul>
 * A token is <em>usable</em> when it is present, not rejected, and not expired.
 *
 * <h2>Transitions</h2>
 * <ol>
 *   <li><b>start</b> (any caller): no refresher call running, the token is not usable, no cooldown: install a
 *       {@code Refresh} and its {@code Wait}, schedule the wait's timeout, hand the refresher to its executor. The
 *       refresh's reason is {@code INITIAL}, {@code EXPIRED}, {@code REJECTED} or {@code INVALIDATED}.</li>
 *   <li><b>ahead</b> (any caller): the token is usable but past its refresh-ahead instant, no refresher call
 *       running, no cooldown: start a refresh with reason {@code AHEAD}; the caller goes on with the old token.</li>
 *   <li><b>join</b> (any caller): a refresher call is running and the token is not usable: wait for its
 *       {@code wait}; if its waiters were released by a timeout, install a new {@code Wait} for the same call
 *       (unless a cooldown is in force), with its own timeout. Never a second refresher call.</li>
 *   <li><b>reject</b> (a caller whose outcome rejected the token): a stale rejection (its token is no longer current)
 *       changes nothing: the caller retries with the current token. Otherwise mark the token {@code REJECTED}; if it
 *       was never accepted, count it in {@code rejectedUnused}, and from the second such token in a row start the
 *       failure cooldown instead of a refresh; then join or start as above.</li>
 *   <li><b>accept</b> (a caller whose outcome did not reject the current token): mark it accepted, reset
 *       {@code rejectedUnused}, and put it on the fast path if the clock allows.</li>
 *   <li><b>finish</b> (the refresher's thread, after clearing its marker): the refresher call ended. On success,
 *       install its token if the current token is still the one it started from; otherwise discard it. On failure
 *       with waiters, count the failure and start the cooldown; without waiters (their timeout already counted it),
 *       only clear the call. Then complete the wait, if any.</li>
 *   <li><b>time out</b> (the wait's timeout task): if the wait is still the current one, release it: count the
 *       failure, start the cooldown, keep the refresher call running (or, if its executor has not started it yet,
 *       abandon it for good and clear it, so that a dropped task cannot hold the decorator); then fail its
 *       future.</li>
 *   <li><b>slow down</b> (the fast-path check, at the token's check instant on the wall clock): clear
 *       {@code fastToken}, so that calls read the clock from now on.</li>
 * </ol>
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>At most one refresher call per decorator is ever running, including one whose waiters a timeout
 *       released: {@code refresh} is cleared only by the refresher's own thread when the call has returned, or by
 *       the timeout of a call that never started, which then never starts (the two claim it once).</li>
 *   <li>A refresher's result is installed exactly when the current token is still the one its refresh started from
 *       and nothing newer was installed, however late it arrives; otherwise it is discarded.</li>
 *   <li>A wait's future is completed only by the thread whose CAS removed it from the state, after that CAS, in a
 *       {@code finally}: metrics, events, messages and consumers run first and nothing they throw can leave a
 *       waiter behind. The refresher marker of the thread is cleared before anything is completed.</li>
 *   <li>Every waiting call is released when its refresh completes, fails or times out; the timeout is scheduled
 *       before the refresher is handed to its executor, and a wait whose timeout cannot be scheduled fails at
 *       once.</li>
 *   <li>A rejected token is never handed to a call. An expired token is never handed out while the clock-free fast
 *       path is off; the fast path is ended by a check that reads the wall clock at least every
 *       {@code FAST_PATH_RECHECK} (1 s) and stops it at {@code expiresAt - max(effective refreshAhead, min(1s,
 *       lifetime/2))}. So after a host or VM suspend (when timers lag the wall clock) an expired token is handed
 *       out for at most {@code FAST_PATH_RECHECK} after the resume. A token gets on the fast path once a call
 *       accepted it, and, if it has an expiry, only with a system clock.</li>
 *   <li>At most one fast-path check is pending per decorator; a replaced token's check is cancelled.</li>
 *   <li>Every call makes at most {@code maxRefreshAttemptsPerCall} retries after rejections.</li>
 *   <li>A call with a usable token on the fast path reads one volatile field, takes no lock and allocates
 *       nothing. Delays and instants saturate instead of overflowing.</li>
 * </ul>
 */
public final class TokenRefreshDecoratorImpl implements TokenRefreshDecorator {

    /** Calls read the clock from at least this long before a known expiry, so a late scheduler cannot leak it. */
    static final Duration MIN_CLOCK_CHECK_AHEAD = Duration.ofSeconds(1);
    /** The fast path's end is checked against the wall clock at least this often, so a suspend cannot defer it. */
    static final Duration FAST_PATH_RECHECK = Duration.ofSeconds(1);
    /** From this many tokens in a row rejected before any call accepted them, the failure cooldown starts. */
    static final int REJECTED_UNUSED_BEFORE_COOLDOWN = 2;

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
    private final boolean clockFreeFastPath;
    private final Executor executor;
    private final ScheduledExecutorService scheduler;
    /**
     * Per thread, a one-element slot holding the token bound to the attempt running on it, emptied when the
     * outermost call ends. The slot is a JDK {@code Object[]}, so an idle pool thread holds nothing of the library
     * (no class-loader leak on redeploy); keeping the slot, rather than removing the entry, spares every outermost
     * call a thread-local entry allocation (measured in BENCHMARKS.md).
     */
    private final ThreadLocal<Object[]> boundToken = new ThreadLocal<>();
    private final AtomicReference<FastPathCheck> fastPathCheck = new AtomicReference<>();
    private final TokenRefreshEventProcessor events = new TokenRefreshEventProcessor();
    private final DecoratorMetrics metrics = new DecoratorMetrics();

    @SuppressWarnings("unused") // accessed through STATE
    private volatile State state = State.EMPTY;

    public TokenRefreshDecoratorImpl(String name, TokenRefreshConfig config, TokenRefresher refresher,
                                     Map<String, String> tags) {
        this(name, config, refresher, tags, isSystemClock(config));
    }

    /** For tests: {@code clockFreeFastPath} lets a test clock stand in for the system clock. */
    TokenRefreshDecoratorImpl(String name, TokenRefreshConfig config, TokenRefresher refresher,
                              Map<String, String> tags, boolean clockFreeFastPath) {
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
        this.clockFreeFastPath = clockFreeFastPath;
        this.executor = config.getRefreshExecutor();
        this.scheduler = config.getScheduler();
    }

    /** Every system clock, whatever its zone, reads the same instant: the fast path's timers follow it. */
    private static boolean isSystemClock(TokenRefreshConfig config) {
        Clock clock = Objects.requireNonNull(config, "config must not be null").getClock();
        return clock.getClass() == Clock.systemUTC().getClass();
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
        Object[] slot = boundToken.get();
        Object bound = slot == null ? null : slot[0];
        return bound != null ? (AccessToken) bound : state.token;
    }

    @Override
    public void invalidate() {
        for (;;) {
            State s = state;
            if (s.token == null || s.rejectedBy != null
                || transition(s, s.rejected(RefreshReason.INVALIDATED))) {
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
        AsyncCall<T> call = new AsyncCall<>(function, promise);
        try {
            call.proceed(acquire(null));
        } catch (RuntimeException e) {
            promise.completeExceptionally(e);
        }
        return promise;
    }

    @Override
    public String toString() {
        return "TokenRefreshDecorator '" + name + "'";
    }

    // ---------------------------------------------------------------------------------------------------------
    // Calls

    /** The synchronous call loop. Exactly one of {@code function} and {@code supplier} is set. */
    private <T> T execute(CheckedFunction<AccessToken, T> function, CheckedSupplier<T> supplier) throws Throwable {
        AccessToken token = state.fastToken; // the hot path: a token on the fast path was accepted already
        boolean accepted = token != null;
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
                Acquired next = retryAfterRejection(token, retries);
                if (next == null) {
                    throw t;
                }
                token = await(next);
                accepted = false;
                continue;
            }
            if (!refreshOnResult.test(result)) {
                if (!accepted) {
                    acceptToken(token);
                }
                return result;
            }
            Acquired next = retryAfterRejection(token, retries);
            if (next == null) {
                return result;
            }
            consumeResultBeforeRetryAttempt.accept(result);
            token = await(next);
            accepted = false;
        }
    }

    private <T> T callBound(CheckedSupplier<T> supplier, AccessToken token) throws Throwable {
        Object[] slot = boundToken.get();
        if (slot == null) {
            slot = new Object[1];
            boundToken.set(slot);
        }
        Object outer = slot[0]; // a decorated call nested in another on the same thread, or null
        slot[0] = token;
        try {
            return supplier.get();
        } finally {
            slot[0] = outer; // null after the outermost call: the thread keeps no token and no library object
        }
    }

    /**
     * The one reject-and-retry rule of the sync and async calls: a call's outcome rejected {@code token}.
     *
     * @return how the next attempt obtains its token, or null when the call ends with its own outcome: its retries
     *     are used up, or its retry was refused by the cooldown that tokens rejected at once started
     */
    private Acquired retryAfterRejection(AccessToken token, int retries) {
        onRejected(token);
        if (retries >= maxRefreshAttemptsPerCall) {
            return null;
        }
        Acquired next = acquire(token);
        if (next instanceof Refused && ((Refused) next).afterRejectedTokens) {
            return null;
        }
        return next;
    }

    private AccessToken await(Acquired acquired) {
        if (acquired instanceof Usable) {
            return ((Usable) acquired).token;
        }
        if (acquired instanceof Refused) {
            throw ((Refused) acquired).failure;
        }
        CompletableFuture<AccessToken> future = ((Wait) acquired).future;
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

        void proceed(Acquired acquired) {
            if (acquired instanceof Usable) {
                call(((Usable) acquired).token);
            } else if (acquired instanceof Refused) {
                promise.completeExceptionally(((Refused) acquired).failure);
            } else {
                metrics.waitingCalls.incrementAndGet();
                ((Wait) acquired).future.whenComplete((newToken, failure) -> {
                    metrics.waitingCalls.decrementAndGet();
                    if (failure != null) {
                        promise.completeExceptionally(forWaiter(failure));
                    } else {
                        call(newToken);
                    }
                });
            }
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
                    Acquired next = retryAfterRejection(token, retries);
                    if (next != null) {
                        retries++;
                        if (cause == null) {
                            consumeResultBeforeRetryAttempt.accept(result);
                        }
                        proceed(next);
                        return;
                    }
                } else if (cause == null) {
                    acceptToken(token);
                }
                if (cause != null) {
                    promise.completeExceptionally(cause);
                } else if (!promise.complete(result)) {
                    // its caller cancelled while the call ran: nobody else will release what the result holds
                    consumeResultBeforeRetryAttempt.accept(result);
                }
            } catch (Throwable t) {
                promise.completeExceptionally(t);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Transitions taken by callers: start, ahead, join, reject, accept

    /**
     * The slow path: a usable token, the {@link Wait} to wait on, or a refusal. Throws only when the refresher
     * calls through its own decorator.
     *
     * @param rejected the token a call's outcome rejected, or null
     */
    private Acquired acquire(AccessToken rejected) {
        Instant now = null;
        for (;;) {
            State s = state;
            boolean rejectsCurrent = rejected != null && s.token == rejected;
            if (!rejectsCurrent && s.token != null && s.rejectedBy == null) {
                if (s.fastToken != null || s.deadlines == null) {
                    return s.usable;
                }
                if (now == null) {
                    now = clock.instant();
                }
                if (now.isBefore(s.deadlines.expiresAt)) {
                    if (s.deadlines.refreshDue(now) && s.refresh == null && !s.cooldown.inForce(now)
                        && start(s, RefreshReason.AHEAD) == null) {
                        continue;
                    }
                    return s.usable;
                }
            }
            // A new token is needed.
            if (REFRESHING.get() == this) {
                throw new IllegalStateException("the refresher of TokenRefreshDecorator '" + name
                    + "' called through its own decorator and needed a new token; a refresher must obtain its "
                    + "token without the decorator it serves");
            }
            if (now == null) {
                now = clock.instant();
            }
            if (rejectsCurrent && s.rejectedBy == null) {
                transition(s, reject(s, now));
                continue;
            }
            if (s.refresh != null && s.wait != null) {
                metrics.coalescedCalls.increment();
                if (events.hasConsumers()) {
                    events.publish(new CallCoalescedEvent(name, ZonedDateTime.now(clock)));
                }
                return s.wait;
            }
            if (s.cooldown.inForce(now)) {
                return refused(s, now);
            }
            if (s.refresh != null) {
                Wait again = new Wait(s.refresh);
                if (transition(s, s.waitingAgain(again))) {
                    Throwable unscheduled = scheduleTimeout(again);
                    if (unscheduled != null) {
                        timeOut(again, unscheduled);
                    }
                    return again;
                }
                continue;
            }
            RefreshReason reason = rejectsCurrent ? RefreshReason.REJECTED
                : s.token == null ? RefreshReason.INITIAL
                : s.rejectedBy != null ? s.rejectedBy
                : RefreshReason.EXPIRED;
            Wait started = start(s, reason);
            if (started != null) {
                return started;
            }
        }
    }

    /** The start transition: on success the new refresh's wait, else null (the state moved on). */
    private Wait start(State s, RefreshReason reason) {
        Wait wait = new Wait(new Refresh(s.token, reason));
        if (!transition(s, s.refreshing(wait))) {
            return null;
        }
        Throwable unscheduled = scheduleTimeout(wait);
        if (unscheduled != null) {
            finish(wait.refresh, null, unscheduled); // never started: without a timeout no waiter may be left
            return wait;
        }
        try {
            executor.execute(() -> runRefresher(wait.refresh));
        } catch (Throwable e) { // even an Error (a pool that cannot start a thread): the call never runs
            if (wait.refresh.claim()) { // claimed: a task the executor queued before it threw never runs it
                finish(wait.refresh, null, e);
            } // else its executor already runs it despite the throw: its end releases the waiters
        }
        return wait;
    }

    /**
     * The reject transition for the current token: marks it rejected; a token rejected before any call accepted it
     * counts, and from the second in a row the failure cooldown starts as for a failed refresh.
     */
    private State reject(State s, Instant now) {
        State next = s.rejected(RefreshReason.REJECTED);
        if (next.rejectedUnused < REJECTED_UNUSED_BEFORE_COOLDOWN || s.refresh != null) {
            return next;
        }
        int cooldowns = next.rejectedUnused - REJECTED_UNUSED_BEFORE_COOLDOWN + 1;
        long millis = cooldownMillis(cooldowns);
        if (millis == 0) {
            return next;
        }
        IllegalStateException cause = new IllegalStateException("the last " + next.rejectedUnused + " tokens the "
            + "refresher returned were rejected before any call succeeded with them; check the token's audience "
            + "and scopes, and the clocks of the API and the token endpoint");
        return next.coolingDown(new Cooldown(cooldowns, plusSaturated(now, millis), cause, true));
    }

    /** The accept transition: a call's outcome with {@code token} was not a rejection. */
    private void acceptToken(AccessToken token) {
        for (;;) {
            State s = state;
            if (s.token != token || s.accepted) {
                return;
            }
            Instant now = null;
            boolean fast = s.rejectedBy == null && (s.deadlines == null || clockFreeFastPath
                && (now = clock.instant()).isBefore(s.deadlines.checkAt));
            if (transition(s, s.accepted(fast ? token : null))) {
                if (fast && now != null) {
                    armFastPathCheck(token, s.deadlines.checkAt, now);
                }
                return;
            }
        }
    }

    private Refused refused(State s, Instant now) {
        Duration remaining = Duration.between(now, s.cooldown.retryAt);
        if (events.hasConsumers()) {
            events.publish(new RefreshRefusedEvent(name, ZonedDateTime.now(clock), remaining));
        }
        Throwable last = s.cooldown.lastFailure;
        return new Refused(new TokenRefreshException("token refresh of '" + name + "' refused during the failure "
            + "cooldown; next attempt allowed in " + millisSaturated(remaining) + "ms; cause of the last failure: "
            + describe(last), last), s.cooldown.afterRejectedTokens);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Transitions taken by the refresh: finish, time out

    /** Schedules the wait's timeout; returns what refused it, even an {@code Error}, or null. */
    private Throwable scheduleTimeout(Wait wait) {
        try {
            Future<?> timeout = scheduler.schedule(() -> offScheduler(() -> timeOut(wait, null)),
                refreshTimeoutNanos, TimeUnit.NANOSECONDS);
            wait.timeout = timeout;
            if (wait.future.isDone()) {
                timeout.cancel(false); // a waiting-again wait that the refresher call's end completed meanwhile
            }
            return null;
        } catch (Throwable e) {
            return e;
        }
    }

    /**
     * Completing a timed-out wait runs async waiters' callbacks, which must not run on the shared scheduler. It
     * goes to the library's own unbounded pool, never to the configured executor, whose threads may all be stuck in
     * the very refresher call that is timing out.
     */
    private static void offScheduler(Runnable task) {
        try {
            RefreshExecutors.defaultExecutor().execute(task);
        } catch (Throwable e) { // even an Error (no thread could be started): the waiters must be released
            task.run();
        }
    }

    private void runRefresher(Refresh refresh) {
        if (!refresh.claim()) {
            return; // its timeout abandoned it before the executor got to it: it never runs
        }
        TokenRefreshDecoratorImpl outer = REFRESHING.get();
        REFRESHING.set(this);
        AccessToken token = null;
        Throwable failure = null;
        try {
            token = refresher.refresh(refresh.from);
        } catch (Throwable t) {
            failure = t;
        } finally {
            // cleared before anything completes: a waiter's continuation may run on this thread
            if (outer == null) {
                REFRESHING.remove();
            } else {
                REFRESHING.set(outer);
            }
        }
        finish(refresh, token, failure);
    }

    /** The finish transition: the refresher call ended with {@code token}, or with {@code failure}. */
    private void finish(Refresh refresh, AccessToken token, Throwable failure) {
        Instant now = clock.instant();
        Throwable cause = failure != null ? failure : invalid(token, now);
        State s;
        State next;
        for (;;) {
            s = state;
            if (s.refresh != refresh) {
                return;
            }
            if (cause == null) {
                next = s.token == refresh.from
                    ? s.installed(token, Usable.of(token), Deadlines.of(now, token, refreshAhead))
                    : s.refresherEnded(); // something newer is in place: the late token is discarded
            } else if (s.wait == null) {
                next = s.refresherEnded(); // its waiters' timeout already counted the failure
            } else {
                int failures = s.cooldown.failures + 1;
                next = s.refresherFailed(new Cooldown(failures, plusSaturated(now, cooldownMillis(failures)), cause,
                    false));
            }
            if (transition(s, next)) {
                break;
            }
        }
        Wait wait = s.wait;
        Object outcome = null;
        try {
            if (cause == null && next.token == token) {
                outcome = token;
                metrics.successfulRefreshes.increment();
                if (events.hasConsumers()) {
                    events.publish(new TokenRefreshSucceededEvent(name, ZonedDateTime.now(clock), refresh.elapsed(),
                        refresh.reason));
                }
            } else if (cause != null && wait != null) {
                outcome = failed(refresh, cause, "failed", next.cooldown);
            }
        } finally {
            complete(wait, outcome, refresh, cause);
            cancelTimeout(wait); // after completing: a timeout stored meanwhile sees the wait done, or is seen here
        }
    }

    /** The time-out transition: releases the wait's callers; the refresher call runs on. */
    private void timeOut(Wait wait, Throwable schedulingFailure) {
        Instant now = clock.instant();
        Refresh refresh = wait.refresh;
        Boolean unstarted = null; // claimed at most once: an unstarted call abandoned here never starts
        State next;
        for (;;) {
            State s = state;
            if (s.wait != wait) {
                return;
            }
            if (unstarted == null) {
                unstarted = refresh.claim();
            }
            int failures = s.cooldown.failures + 1;
            Throwable cause = schedulingFailure != null ? schedulingFailure
                : new TimeoutException("the refresher did not return within " + config.getRefreshTimeout());
            Cooldown cooldown = new Cooldown(failures, plusSaturated(now, cooldownMillis(failures)), cause, false);
            next = unstarted ? s.refresherFailed(cooldown) : s.timedOut(cooldown);
            if (transition(s, next)) {
                break;
            }
        }
        Object outcome = null;
        try {
            String what = schedulingFailure != null ? "could not be bounded by its timeout"
                : unstarted ? "timed out after " + config.getRefreshTimeout() + " before its executor started the "
                + "refresher call; that call is abandoned and never runs, the next refresh starts a new one; check "
                + "that the refresh executor runs every task it accepts"
                : "timed out after " + config.getRefreshTimeout() + "; the refresher call has been running for "
                + refresh.elapsed().toMillis() + "ms and is still running: it is not interrupted, no other is "
                + "started while it runs, and its token is installed if it returns one; give the refresher its own "
                + "connect and read timeouts";
            outcome = failed(refresh, next.cooldown.lastFailure, what, next.cooldown);
        } finally {
            complete(wait, outcome, refresh, next.cooldown.lastFailure);
        }
    }

    /** Counts and reports a failure; returns the exception the waiters get. */
    private TokenRefreshException failed(Refresh refresh, Throwable cause, String what, Cooldown cooldown) {
        long cooldownMillis = millisSaturated(Duration.between(clock.instant(), cooldown.retryAt));
        // The refresher's own message is already in the cause chain that every log prints; repeating it here
        // tells the caller what happened without digging.
        TokenRefreshException failure = new TokenRefreshException("token refresh of '" + name + "' " + what
            + "; next attempt allowed in " + Math.max(0, cooldownMillis) + "ms; cause: " + describe(cause), cause);
        metrics.failedRefreshes.increment();
        if (events.hasConsumers()) {
            events.publish(new TokenRefreshFailedEvent(name, ZonedDateTime.now(clock), refresh.elapsed(), cause,
                Duration.ofMillis(Math.max(0, cooldownMillis)), refresh.reason));
        }
        return failure;
    }

    /** Completes a wait with what {@link #finish} or {@link #timeOut} prepared, or a plain failure if that threw. */
    private void complete(Wait wait, Object outcome, Refresh refresh, Throwable cause) {
        if (wait == null) {
            return;
        }
        if (outcome instanceof AccessToken) {
            wait.future.complete((AccessToken) outcome);
        } else {
            wait.future.completeExceptionally(outcome instanceof TokenRefreshException
                ? (TokenRefreshException) outcome
                : new TokenRefreshException("token refresh of '" + name + "' (" + refresh.reason + ") failed", cause));
        }
    }

    private static Throwable invalid(AccessToken token, Instant now) {
        if (token == null) {
            return new IllegalStateException("the refresher returned null instead of a token");
        }
        Instant expiresAt = token.expiresAt().orElse(null);
        if (expiresAt != null && !now.isBefore(expiresAt)) {
            return new IllegalStateException(
                "the refresher returned a token that expired at " + expiresAt + ", not after now (" + now + ")");
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------------------
    // The fast path's end: slow down

    private void armFastPathCheck(AccessToken token, Instant checkAt, Instant now) {
        FastPathCheck check = new FastPathCheck(token, checkAt);
        FastPathCheck previous;
        do {
            previous = fastPathCheck.get();
            if (state.fastToken != token) {
                return; // replaced since its CAS: the pending check, if any, is a newer token's and must stay
            }
        } while (!fastPathCheck.compareAndSet(previous, check)); // read while the token was fast: an older check
        if (previous != null) {
            previous.cancel();
        }
        check.armFrom(now);
        if (state.fastToken != token) {
            endFastPathCheck(token); // replaced while it was armed
        }
    }

    /** Cancels the pending check of {@code token}, if it is the pending one. */
    private void endFastPathCheck(AccessToken token) {
        FastPathCheck check = fastPathCheck.get();
        if (check != null && check.token == token && fastPathCheck.compareAndSet(check, null)) {
            check.cancel();
        }
    }

    /** The slow-down transition. */
    private void slowDown(AccessToken token) {
        for (;;) {
            State s = state;
            if (s.fastToken != token || transition(s, s.withoutFastPath())) {
                return;
            }
        }
    }

    /**
     * The one pending check that ends the fast path of one token at its check instant on the wall clock. It reads
     * the clock at least every {@link #FAST_PATH_RECHECK}, because timers run on the monotonic clock, which stands
     * still while the host is suspended. The scheduler holds it only weakly (through its {@link Tick}): a long-lived
     * token's check re-arms for years, and must not keep a discarded decorator and its refresher reachable.
     */
    private final class FastPathCheck implements Runnable {
        final AccessToken token;
        private final Instant checkAt;
        private final Tick tick = new Tick(this);
        private volatile boolean cancelled;
        private volatile Future<?> pending;

        FastPathCheck(AccessToken token, Instant checkAt) {
            this.token = token;
            this.checkAt = checkAt;
        }

        void armFrom(Instant now) {
            Duration untilCheck = Duration.between(now, checkAt);
            Duration delay = untilCheck.compareTo(FAST_PATH_RECHECK) < 0 ? untilCheck : FAST_PATH_RECHECK;
            try {
                pending = scheduler.schedule(tick, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
            } catch (Throwable e) {
                slowDown(token); // without the check, calls read the clock from now on: correct, a bit slower
                return;
            }
            if (cancelled) {
                pending.cancel(false);
            }
        }

        void cancel() {
            cancelled = true;
            Future<?> task = pending;
            if (task != null) {
                task.cancel(false);
            }
        }

        @Override
        public void run() {
            if (cancelled) {
                return;
            }
            Instant now = clock.instant();
            if (now.isBefore(checkAt)) {
                armFrom(now);
            } else {
                slowDown(token);
            }
        }
    }

    /** What the scheduler holds of a {@link FastPathCheck}; the decorator's pending-check slot holds it strongly. */
    private static final class Tick implements Runnable {
        private final WeakReference<Runnable> check;

        Tick(Runnable check) {
            this.check = new WeakReference<>(check);
        }

        @Override
        public void run() {
            Runnable live = check.get();
            if (live != null) {
                live.run();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers

    /** Every state change goes through here; a token leaving the fast path takes its pending check along. */
    private boolean transition(State expected, State next) {
        if (!STATE.compareAndSet(this, expected, next)) {
            return false;
        }
        if (expected.fastToken != null && next.fastToken != expected.fastToken) {
            endFastPathCheck(expected.fastToken);
        }
        return true;
    }

    /**
     * A cooldown function that throws, even an {@code Error}, must not leave waiters behind or a refresher call
     * marked running forever: it then means no cooldown.
     */
    private long cooldownMillis(int failures) {
        try {
            Long millis = failureCooldown.apply(failures);
            return millis == null ? 0L : Math.max(0L, millis);
        } catch (Throwable e) {
            LOG.log(Level.WARNING, "the failureCooldown function of TokenRefreshDecorator '" + name
                + "' threw; no cooldown is applied", e);
            return 0L;
        }
    }

    private static Instant plusSaturated(Instant instant, long millis) {
        try {
            return instant.plusMillis(millis);
        } catch (DateTimeException | ArithmeticException e) {
            return Instant.MAX;
        }
    }

    private static long millisSaturated(Duration duration) {
        try {
            return duration.toMillis();
        } catch (ArithmeticException e) {
            return duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /** A throwable as text; never throws, whatever its {@code toString} or {@code getMessage} does. */
    private static String describe(Throwable t) {
        if (t == null) {
            return "none";
        }
        try {
            return t.toString();
        } catch (Throwable broken) {
            return t.getClass().getName() + " (its message could not be read)";
        }
    }

    /** Each waiter gets its own exception, with its own stack trace, and the refresher's cause. */
    private static TokenRefreshException forWaiter(Throwable failure) {
        return new TokenRefreshException(failure.getMessage(), failure.getCause());
    }

    private static void cancelTimeout(Wait wait) {
        Future<?> timeout = wait == null ? null : wait.timeout;
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

    // ---------------------------------------------------------------------------------------------------------
    // What acquire answers, and the objects of the state

    /** What the slow path answers: a usable token, the wait for a new one, or a refusal. */
    private sealed interface Acquired permits Usable, Wait, Refused {
    }

    /** A usable token; one per installed token, so the slow path allocates nothing either. */
    private static final class Usable implements Acquired {
        final AccessToken token;

        private Usable(AccessToken token) {
            this.token = token;
        }

        static Usable of(AccessToken token) {
            return new Usable(token);
        }
    }

    /** No refresher call may start now. */
    private static final class Refused implements Acquired {
        final TokenRefreshException failure;
        /** Refused by the cooldown that tokens rejected at once started: a retrying call keeps its own outcome. */
        final boolean afterRejectedTokens;

        Refused(TokenRefreshException failure, boolean afterRejectedTokens) {
            this.failure = failure;
            this.afterRejectedTokens = afterRejectedTokens;
        }
    }

    /** The calls waiting for one refresher call, released by its end or by their refresh timeout. */
    private static final class Wait implements Acquired {
        final Refresh refresh;
        final CompletableFuture<AccessToken> future = new CompletableFuture<>();
        volatile Future<?> timeout;

        Wait(Refresh refresh) {
            this.refresh = refresh;
        }
    }

    /** One refresher call: the token it refreshes from and why it runs. */
    private static final class Refresh {
        final AccessToken from;
        final RefreshReason reason;
        final long startNanos = System.nanoTime();
        /** Taken once: by the executor's thread that runs the call, or by a timeout that abandons it unstarted. */
        private final AtomicBoolean claimed = new AtomicBoolean();

        Refresh(AccessToken from, RefreshReason reason) {
            this.from = from;
            this.reason = reason;
        }

        boolean claim() {
            return claimed.compareAndSet(false, true);
        }

        Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - startNanos);
        }
    }

    /** When a token is refreshed ahead, when calls start reading the clock, and when it expires. */
    private static final class Deadlines {
        final Instant refreshAt;
        final Instant checkAt;
        final Instant expiresAt;

        private Deadlines(Instant refreshAt, Instant checkAt, Instant expiresAt) {
            this.refreshAt = refreshAt;
            this.checkAt = checkAt;
            this.expiresAt = expiresAt;
        }

        /** @return null for a token whose expiry is unknown */
        static Deadlines of(Instant now, AccessToken token, Duration refreshAhead) {
            Instant expiresAt = token.expiresAt().orElse(null);
            if (expiresAt == null) {
                return null;
            }
            Duration halfLife = Duration.between(now, expiresAt).dividedBy(2);
            Duration ahead = min(refreshAhead, halfLife);
            Duration clockAhead = max(ahead, min(MIN_CLOCK_CHECK_AHEAD, halfLife));
            return new Deadlines(ahead.isZero() ? null : expiresAt.minus(ahead), expiresAt.minus(clockAhead),
                expiresAt);
        }

        boolean refreshDue(Instant now) {
            return refreshAt != null && !now.isBefore(refreshAt);
        }

        private static Duration min(Duration a, Duration b) {
            return a.compareTo(b) <= 0 ? a : b;
        }

        private static Duration max(Duration a, Duration b) {
            return a.compareTo(b) >= 0 ? a : b;
        }
    }

    /** Consecutive failures and the instant before which no refresher call may start. */
    private static final class Cooldown {
        static final Cooldown NONE = new Cooldown(0, Instant.MIN, null, false);

        final int failures;
        final Instant retryAt;
        final Throwable lastFailure;
        final boolean afterRejectedTokens;

        Cooldown(int failures, Instant retryAt, Throwable lastFailure, boolean afterRejectedTokens) {
            this.failures = failures;
            this.retryAt = retryAt;
            this.lastFailure = lastFailure;
            this.afterRejectedTokens = afterRejectedTokens;
        }

        boolean inForce(Instant now) {
            return failures > 0 && now.isBefore(retryAt);
        }
    }

    /** An immutable snapshot of the decorator; each method is one transition of the class javadoc. */
    private static final class State {
        static final State EMPTY = new State(null, null, null, null, null, false, 0, null, Cooldown.NONE);

        final AccessToken token;
        final Usable usable;
        final Deadlines deadlines;
        final AccessToken fastToken;
        final RefreshReason rejectedBy;
        final boolean accepted;
        final int rejectedUnused;
        final Refresh refresh;
        final Wait wait;
        final Cooldown cooldown;

        private State(AccessToken token, Usable usable, Deadlines deadlines, AccessToken fastToken,
                      RefreshReason rejectedBy, boolean accepted, int rejectedUnused, Wait wait, Cooldown cooldown) {
            this(token, usable, deadlines, fastToken, rejectedBy, accepted, rejectedUnused,
                wait == null ? null : wait.refresh, wait, cooldown);
        }

        private State(AccessToken token, Usable usable, Deadlines deadlines, AccessToken fastToken,
                      RefreshReason rejectedBy, boolean accepted, int rejectedUnused, Refresh refresh, Wait wait,
                      Cooldown cooldown) {
            this.token = token;
            this.usable = usable;
            this.deadlines = deadlines;
            this.fastToken = fastToken;
            this.rejectedBy = rejectedBy;
            this.accepted = accepted;
            this.rejectedUnused = rejectedUnused;
            this.refresh = refresh;
            this.wait = wait;
            this.cooldown = cooldown;
        }

        /** start, ahead: a refresher call and its waiters. */
        State refreshing(Wait newWait) {
            return new State(token, usable, deadlines, fastToken, rejectedBy, accepted, rejectedUnused, newWait,
                cooldown);
        }

        /** join after a timeout: new waiters for the same refresher call. */
        State waitingAgain(Wait newWait) {
            return refreshing(newWait);
        }

        /** reject, invalidate: the token may no longer be handed out. */
        State rejected(RefreshReason by) {
            int unused = by == RefreshReason.REJECTED && !accepted ? rejectedUnused + 1 : rejectedUnused;
            return new State(token, usable, deadlines, null, by, accepted, unused, refresh, wait, cooldown);
        }

        /** reject, from the second token in a row rejected at once: the failure cooldown. */
        State coolingDown(Cooldown newCooldown) {
            return new State(token, usable, deadlines, fastToken, rejectedBy, accepted, rejectedUnused, refresh,
                wait, newCooldown);
        }

        /** accept: a call succeeded with the token. */
        State accepted(AccessToken newFastToken) {
            return new State(token, usable, deadlines, newFastToken, rejectedBy, true, 0, refresh, wait, cooldown);
        }

        /** finish, success: the new token, neither rejected nor accepted yet, off the fast path until accepted. */
        State installed(AccessToken newToken, Usable newUsable, Deadlines newDeadlines) {
            return new State(newToken, newUsable, newDeadlines, null, null, false, rejectedUnused, null,
                Cooldown.NONE);
        }

        /** finish, failure with waiters: the cooldown starts; the old token stays as it was. */
        State refresherFailed(Cooldown newCooldown) {
            return new State(token, usable, deadlines, fastToken, rejectedBy, accepted, rejectedUnused, null,
                newCooldown);
        }

        /** finish without installing (late failure, or something newer in place). */
        State refresherEnded() {
            return new State(token, usable, deadlines, fastToken, rejectedBy, accepted, rejectedUnused, null,
                cooldown);
        }

        /** time out: the waiters are released and the cooldown starts; the refresher call runs on. */
        State timedOut(Cooldown newCooldown) {
            return new State(token, usable, deadlines, fastToken, rejectedBy, accepted, rejectedUnused, refresh,
                null, newCooldown);
        }

        /** slow down: calls read the clock from now on. */
        State withoutFastPath() {
            return new State(token, usable, deadlines, null, rejectedBy, accepted, rejectedUnused, refresh, wait,
                cooldown);
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
            return state.cooldown.failures;
        }

        @Override
        public Optional<Instant> getCooldownEnd() {
            Cooldown cooldown = state.cooldown;
            return cooldown.failures > 0 ? Optional.of(cooldown.retryAt) : Optional.empty();
        }
    }
}
