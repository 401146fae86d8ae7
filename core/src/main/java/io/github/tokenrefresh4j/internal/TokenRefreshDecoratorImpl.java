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
import java.util.function.Supplier;
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
 *   <li>the {@code Phase} of the refresh, with its {@code refresh} (the one refresher call) and {@code wait} (the
 *       calls waiting for it, bounded by their refresh timeout):
 *     <ul>
 *       <li>{@code IDLE}: no refresher call; {@code refresh} and {@code wait} are null;</li>
 *       <li>{@code RUNNING}: a refresher call is handed off or running, and calls wait for it ({@code wait} is
 *           set);</li>
 *       <li>{@code RELEASED}: the refresher call runs on after a timeout released its waiters and counted it as
 *           failed; {@code wait} is null, or the wait of a later wave that joined the same call;</li>
 *     </ul></li>
 *   <li>{@code Cooldown}: consecutive failures and the instant before which no refresher call may start;
 *       {@code rejectedUnused}: how many refreshes in a row produced a token rejected before it was accepted.</li>
 * </ul>
 * A token is <em>usable</em> when it is present, not rejected, and not expired.
 *
 * <h2>Transitions</h2>
 * Each transition is one method of {@code State} (named below), taken by one CAS.
 * <ol>
 *   <li><b>start</b> ({@code running}; any caller): {@code IDLE}, the token is not usable, no cooldown:
 *       {@code RUNNING} with a new {@code Refresh} and its {@code Wait}; then schedule the wait's timeout and hand
 *       the refresher to its executor ({@code startOnExecutor}). The refresh's reason is {@code INITIAL},
 *       {@code EXPIRED}, {@code REJECTED} or {@code INVALIDATED}.</li>
 *   <li><b>ahead</b> ({@code running}; any caller): {@code IDLE}, the token usable but past its refresh-ahead
 *       instant, no cooldown: start with reason {@code AHEAD}; the caller goes on with the old token.</li>
 *   <li><b>join</b> (any caller whose token is not usable): a {@code wait} is set: wait on it. {@code RELEASED}
 *       without a wait and no cooldown in force ({@code waitingAgain}): install a new {@code Wait} for the same
 *       call, with its own timeout. Never a second refresher call.</li>
 *   <li><b>reject</b> ({@code rejected}; a caller whose outcome rejected its token, whether or not the call may
 *       retry): a stale rejection (its token is no longer current) changes nothing. Otherwise mark the token
 *       {@code REJECTED}; if it was never accepted, count it in {@code rejectedUnused}, and from the second such
 *       token in a row, in {@code IDLE}, start the failure cooldown ({@code coolingDown}). A call with retries left
 *       then joins or starts as above; the call that ran out ends with its own outcome.</li>
 *   <li><b>accept</b> ({@code accepted}; a caller whose outcome did not reject the current token): mark it
 *       accepted, reset {@code rejectedUnused}, and put it on the fast path if the clock allows.</li>
 *   <li><b>finish</b> (the refresher's thread, after clearing its marker): {@code RUNNING} or {@code RELEASED} to
 *       {@code IDLE}. On success install the token ({@code installed}): the current token is always the one the
 *       refresh started from, because only a refresh's own finish replaces a token. On failure in {@code RUNNING},
 *       count it and start the cooldown ({@code refresherFailed}); in {@code RELEASED} its timeout counted it
 *       already ({@code refresherEnded}).</li>
 *   <li><b>time out</b> (the wait's timeout task, if the wait is still the current one): a refresher task its
 *       executor never started is given up (below). Otherwise release the wait: {@code RUNNING} to
 *       {@code RELEASED}, counting the failure and starting the cooldown ({@code timedOut}); in {@code RELEASED}
 *       only the wave is released ({@code waveTimedOut}). The refresher call runs on.</li>
 *   <li><b>give up</b> ({@code refresherFailed}; whoever abandoned a refresher task it handed off, see
 *       {@code abandon}): {@code RUNNING} to {@code IDLE}, counting the failure. A task is given up when its timeout
 *       could not be scheduled, when its executor threw (even after queuing it), or when its timeout fires before
 *       the executor started it.</li>
 *   <li><b>slow down</b> ({@code withoutFastPath}; the fast-path check, at the token's check instant on the wall
 *       clock): clear {@code fastToken}, so that calls read the clock from now on.</li>
 * </ol>
 * A thread that takes finish, time out or give up first completes the wait it removed from the state, then counts
 * and publishes: a consumer (a slow webhook) never holds waiters.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>At most one refresher call per decorator is ever running: a refresh leaves {@code RUNNING} or
 *       {@code RELEASED} only by the finish of its own call, or by a give-up of a task that never called the
 *       refresher. The task and the code that gives up on it claim it once ({@code Refresh.claim}); a task that
 *       lost the claim never calls the refresher.</li>
 *   <li>One refresher call is one outcome, counted once: its timeout counts the failure, or its end does, never
 *       both; a second wave's timeout counts nothing. A late token is installed and counted as the success it
 *       is.</li>
 *   <li>No reading of the user's clock stands between a transition and the completion of the wait it removed:
 *       finish, time out, give up and reject read it before their CAS, where a failure (even an {@code Error})
 *       only skips the cooldown, and finish checks the token on the system clock instead (a rotated refresh token
 *       is never discarded for a clock failure); events read it after the waiters are released, falling back to
 *       the system clock.</li>
 *   <li>A wait's future is completed only by the thread whose CAS removed it from the state, right after that CAS,
 *       even if building its exception fails. The refresher marker of the thread is cleared before anything is
 *       completed.</li>
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
    private final IntervalFunction cooldownFunction;
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
        this.cooldownFunction = config.getFailureCooldown();
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
            call.proceed(acquire());
        } catch (Throwable e) { // even an Error (a clock that fails to load): the stage fails, nothing is thrown
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

    /**
     * {@code decorateSupplier}'s call. The hot path (a token on the fast path, an outcome that is no rejection) is
     * written out here rather than reached through {@link #executeCheckedSupplier}: the JIT inlines a call chain
     * only so deep, and the user's supplier, {@link #currentToken()} and its thread-local lookup sit at its end.
     */
    public <T> Supplier<T> decorateSupplier(Supplier<T> supplier) {
        CheckedSupplier<T> checked = Objects.requireNonNull(supplier, "supplier must not be null")::get;
        return () -> {
            try {
                AccessToken token = state.fastToken; // accepted already
                if (token == null) {
                    return execute(null, checked);
                }
                T result;
                try {
                    result = callBound(checked, token);
                } catch (Throwable t) {
                    return afterThrown(null, checked, token, t);
                }
                return refreshOnResult.test(result) ? retrying(null, checked, token, result, null) : result;
            } catch (Throwable t) {
                throw sneakyThrow(t);
            }
        };
    }

    /** The synchronous call. Exactly one of {@code function} and {@code supplier} is set. */
    private <T> T execute(CheckedFunction<AccessToken, T> function, CheckedSupplier<T> supplier) throws Throwable {
        AccessToken token = state.fastToken; // the hot path: a token on the fast path was accepted already
        boolean accepted = token != null;
        if (token == null) {
            token = await(acquire());
        }
        T result;
        try {
            result = attempt(function, supplier, token);
        } catch (Throwable t) {
            return afterThrown(function, supplier, token, t);
        }
        if (refreshOnResult.test(result)) {
            return retrying(function, supplier, token, result, null);
        }
        if (!accepted) {
            accept(token);
        }
        return result;
    }

    private <T> T attempt(CheckedFunction<AccessToken, T> function, CheckedSupplier<T> supplier, AccessToken token)
        throws Throwable {
        return function != null ? function.apply(token) : callBound(supplier, token);
    }

    /** The first attempt, with {@code token}, threw {@code t}: it ends the call, or rejected the token. */
    private <T> T afterThrown(CheckedFunction<AccessToken, T> function, CheckedSupplier<T> supplier,
                              AccessToken token, Throwable t) throws Throwable {
        if (!refreshOnException.test(unwrap(t))) {
            throw t;
        }
        return retrying(function, supplier, token, null, t);
    }

    /**
     * An attempt with {@code token} ended with {@code result} or {@code failure}, and that outcome rejected the
     * token: retry while retries are left, until an outcome is no rejection; else end with the last outcome.
     */
    private <T> T retrying(CheckedFunction<AccessToken, T> function, CheckedSupplier<T> supplier, AccessToken token,
                           T result, Throwable failure) throws Throwable {
        for (int retries = 0; ; retries++) {
            Acquired next = retryOrRelease(token, retries, result, failure);
            if (next == null) {
                if (failure != null) {
                    throw failure;
                }
                return result;
            }
            if (failure == null) {
                consumeResultBeforeRetryAttempt.accept(result);
            }
            token = await(next);
            try {
                result = attempt(function, supplier, token);
                failure = null;
            } catch (Throwable t) {
                result = null;
                failure = t;
            }
            if (failure != null ? !refreshOnException.test(unwrap(failure)) : !refreshOnResult.test(result)) {
                if (failure != null) {
                    throw failure;
                }
                accept(token);
                return result;
            }
        }
    }

    /** Rethrows what an unchecked call threw without wrapping it: it can only be unchecked. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneakyThrow(Throwable t) throws E {
        throw (E) t;
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
     * The one reject-and-retry rule of the sync and async calls: a call's outcome rejected {@code token}. The
     * rejection is recorded whether or not the call may retry.
     *
     * @return how the next attempt obtains its token, or null when the call ends with its own outcome: its retries
     *     are used up, or its retry was refused by the cooldown that tokens rejected at once started
     */
    private Acquired retryAfterRejection(AccessToken token, int retries) {
        boolean stale = !reject(token);
        metrics.rejectedTokens.increment();
        if (events.hasConsumers()) {
            events.publish(new TokenRejectedEvent(name, eventTime(), stale));
        }
        if (retries >= maxRefreshAttemptsPerCall) {
            return null;
        }
        Acquired next = acquire();
        if (next instanceof Refused && ((Refused) next).afterRejectedTokens) {
            return null;
        }
        return next;
    }

    /**
     * {@link #retryAfterRejection}; when it throws (the clock, a refresher calling through its own decorator), a
     * rejected result that nobody will receive goes to {@code consumeResultBeforeRetryAttempt} first, so the
     * response it holds is released.
     */
    private Acquired retryOrRelease(AccessToken token, int retries, Object result, Throwable failure) {
        try {
            return retryAfterRejection(token, retries);
        } catch (Throwable e) {
            if (failure == null) {
                try {
                    consumeResultBeforeRetryAttempt.accept(result);
                } catch (Throwable releaseFailure) {
                    e.addSuppressed(releaseFailure);
                }
            }
            throw sneakyThrow(e);
        }
    }

    private AccessToken await(Acquired acquired) {
        if (acquired instanceof Usable) {
            return ((Usable) acquired).token;
        }
        if (acquired instanceof Refused) {
            throw ((Refused) acquired).failure;
        }
        CompletableFuture<AccessToken> future = ((Wait) acquired).blocking;
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
                AtomicBoolean waiting = new AtomicBoolean(true);
                // a caller who cancels stops waiting then, not when the refresh ends or times out
                promise.whenComplete((result, failure) -> leaveWait(waiting));
                ((Wait) acquired).future.whenComplete((newToken, failure) -> {
                    leaveWait(waiting);
                    if (failure != null) {
                        promise.completeExceptionally(forWaiter(failure));
                    } else {
                        call(newToken);
                    }
                });
            }
        }

        private void leaveWait(AtomicBoolean waiting) {
            if (waiting.compareAndSet(true, false)) {
                metrics.waitingCalls.decrementAndGet();
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
            try {
                stage.whenComplete(this);
            } catch (Throwable t) { // a stage of the caller's that refuses a callback: nobody else ends the call
                promise.completeExceptionally(t);
            }
        }

        @Override
        public void accept(T result, Throwable failure) {
            try {
                Throwable cause = failure == null ? null : unwrap(failure);
                boolean rejected = cause != null ? refreshOnException.test(cause) : refreshOnResult.test(result);
                if (rejected) {
                    Acquired next = retryOrRelease(token, retries, result, cause);
                    if (next != null) {
                        retries++;
                        if (cause == null) {
                            consumeResultBeforeRetryAttempt.accept(result);
                        }
                        proceed(next);
                        return;
                    }
                } else if (cause == null) {
                    TokenRefreshDecoratorImpl.this.accept(token);
                }
                if (cause != null) {
                    if (!promise.completeExceptionally(cause) && cause instanceof Unjudged
                        && ((Unjudged) cause).outcome() != null
                        && !(((Unjudged) cause).outcome() instanceof AccessToken)) {
                        // a response handed back without a verdict, to a caller who cancelled: release it (a token
                        // handed through, as OkHttp's authenticator does, holds nothing and goes to no consumer)
                        consumeResultBeforeRetryAttempt.accept(((Unjudged) cause).outcome());
                    }
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
     * calls through its own decorator, or when the user's clock throws (no transition was taken then).
     */
    private Acquired acquire() {
        Instant now = null;
        for (;;) {
            State s = state;
            if (s.token != null && s.rejectedBy == null) {
                if (s.fastToken != null || s.deadlines == null) {
                    return s.usable;
                }
                if (now == null) {
                    now = clock.instant();
                }
                if (now.isBefore(s.deadlines.expiresAt)) {
                    if (s.deadlines.refreshDue(now) && s.phase == Phase.IDLE && !s.cooldown.inForce(now)
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
            if (s.wait != null) { // join
                metrics.coalescedCalls.increment();
                if (events.hasConsumers()) {
                    events.publish(new CallCoalescedEvent(name, eventTime()));
                }
                return s.wait;
            }
            if (s.cooldown.inForce(now)) {
                return refused(s, now);
            }
            if (s.phase == Phase.RELEASED) { // join again: a new wave waits for the same refresher call
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
            RefreshReason reason = s.token == null ? RefreshReason.INITIAL
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
        if (!transition(s, s.running(wait))) {
            return null;
        }
        Throwable unscheduled = scheduleTimeout(wait);
        if (unscheduled != null) {
            abandon(wait.refresh, unscheduled, "failed: its timeout could not be scheduled, so the refresher call "
                + "was not started");
            return wait;
        }
        startOnExecutor(wait.refresh);
        return wait;
    }

    /**
     * Hands a refresher call to its executor: the one place a refresh is started. An executor that throws, even an
     * {@code Error} and even after queuing the task (a pool that cannot start a thread), has refused it: the task
     * is abandoned, so that if the executor runs it later it never calls the refresher.
     */
    private void startOnExecutor(Refresh refresh) {
        try {
            executor.execute(() -> runRefresher(refresh));
        } catch (Throwable e) {
            abandon(refresh, e, "failed: its executor refused the refresher call");
        }
    }

    /**
     * The reject transition: {@code token}, if still current, may no longer be handed out. A token rejected before
     * any call accepted it counts, and from the second in a row the failure cooldown starts as for a failed
     * refresh.
     *
     * @return false for a stale rejection: {@code token} is no longer the current token, and nothing changed
     */
    private boolean reject(AccessToken token) {
        Instant now = null;
        for (;;) {
            State s = state;
            if (s.token != token) {
                return false;
            }
            if (s.rejectedBy == RefreshReason.REJECTED) {
                return true;
            }
            State next = s.rejected(RefreshReason.REJECTED);
            if (next.rejectedUnused >= REJECTED_UNUSED_BEFORE_COOLDOWN && next.rejectedUnused > s.rejectedUnused
                && s.phase == Phase.IDLE) {
                if (now == null) {
                    now = readClock();
                }
                int cooldowns = next.rejectedUnused - REJECTED_UNUSED_BEFORE_COOLDOWN + 1;
                IllegalStateException cause = new IllegalStateException("the last " + next.rejectedUnused
                    + " tokens the refresher returned were rejected before any call succeeded with them; check the "
                    + "token's audience and scopes, and the clocks of the API and the token endpoint");
                Cooldown cooldown = failureCooldown(cooldowns, cause, now, true);
                if (cooldown.millis > 0) {
                    next = next.coolingDown(cooldown);
                }
            }
            if (transition(s, next)) {
                return true;
            }
        }
    }

    /** The accept transition: a call's outcome with {@code token} was not a rejection. */
    private void accept(AccessToken token) {
        for (;;) {
            State s = state;
            if (s.token != token || s.accepted) {
                return;
            }
            Instant now = null;
            boolean fast = s.rejectedBy == null && (s.deadlines == null || clockFreeFastPath
                && (now = readClock()) != null && now.isBefore(s.deadlines.checkAt));
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
            events.publish(new RefreshRefusedEvent(name, eventTime(), remaining));
        }
        Throwable last = s.cooldown.lastFailure;
        return new Refused(new TokenRefreshException("token refresh of '" + name + "' refused during the failure "
            + "cooldown; next attempt allowed in " + millisSaturated(remaining) + "ms; cause of the last failure: "
            + describe(last), last), s.cooldown.afterRejectedTokens);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Transitions taken by the refresh: finish, time out, give up

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

    /** The refresher task: it calls the refresher only if it wins the claim, then takes the finish transition. */
    private void runRefresher(Refresh refresh) {
        if (!refresh.claim()) {
            return; // abandoned before the executor got to it (refused, or timed out): it never runs
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
        // Before the CAS: a clock that throws (even an Error) strands nothing. The token is then checked on the
        // system clock rather than discarded: with rotating refresh tokens it holds the only valid one, and the
        // next refresh would present the spent one again. No cooldown is started without the user's clock.
        Instant now = readClock();
        Throwable cause = failure;
        Deadlines deadlines = null;
        if (cause == null) {
            Instant checkedAt = now != null ? now : Instant.now();
            cause = invalid(token, checkedAt);
            deadlines = cause == null ? Deadlines.of(checkedAt, token, refreshAhead) : null;
        }
        State s;
        State next;
        for (;;) {
            s = state;
            if (s.refresh != refresh) {
                return; // unreachable: a claimed refresher call leaves the state only here
            }
            if (cause == null) {
                next = s.installed(token, Usable.of(token), deadlines);
            } else if (s.phase == Phase.RELEASED) {
                next = s.refresherEnded(); // its timeout counted the failure already
            } else {
                next = s.refresherFailed(failureCooldown(s.cooldown.failures + 1, cause, now, false));
            }
            if (transition(s, next)) {
                break;
            }
        }
        if (cause == null) {
            release(s.wait, token);
            metrics.successfulRefreshes.increment();
            if (events.hasConsumers()) {
                events.publish(new TokenRefreshSucceededEvent(name, eventTime(), refresh.elapsed(), refresh.reason));
            }
        } else {
            releaseFailed(s.wait, cause, () -> "failed", next.cooldown);
            if (s.phase == Phase.RUNNING) {
                countFailure(refresh, cause, next.cooldown);
            }
        }
    }

    /** The time-out transition: releases the wait's callers; the refresher call runs on. */
    private void timeOut(Wait wait, Throwable schedulingFailure) {
        if (state.wait != wait) {
            return;
        }
        Refresh refresh = wait.refresh;
        Throwable cause = schedulingFailure != null ? schedulingFailure
            : new TimeoutException("the refresher did not return within " + config.getRefreshTimeout());
        if (schedulingFailure == null && abandon(refresh, cause, "timed out after " + config.getRefreshTimeout()
            + " before its executor started the refresher call; that call is abandoned and never runs, the next "
            + "refresh starts a new one; check that the refresh executor runs every task it accepts")) {
            return;
        }
        Instant now = readClock();
        State s;
        State next;
        for (;;) {
            s = state;
            if (s.wait != wait) {
                return;
            }
            next = s.phase == Phase.RUNNING
                ? s.timedOut(failureCooldown(s.cooldown.failures + 1, cause, now, false))
                : s.waveTimedOut();
            if (transition(s, next)) {
                break;
            }
        }
        releaseFailed(wait, cause, () -> schedulingFailure != null ? "could not be bounded by its timeout"
            : "timed out after " + config.getRefreshTimeout() + "; the refresher call has been running for "
            + refresh.elapsed().toMillis() + "ms and is still running: it is not interrupted, no other is "
            + "started while it runs, and its token is installed if it returns one; give the refresher its own "
            + "connect and read timeouts", next.cooldown);
        if (s.phase == Phase.RUNNING) {
            countFailure(refresh, cause, next.cooldown);
        }
    }

    /**
     * Claims a refresher task for the code that gives up on it, and if that succeeds takes the give-up
     * transition: the refresh leaves the state, its waiters fail, and the failure counts. Used everywhere a handed
     * off refresh is given up, whatever its executor did with the task.
     *
     * @return false when the task claimed the call first: it runs (or ran) and ends through finish
     */
    private boolean abandon(Refresh refresh, Throwable cause, String what) {
        if (!refresh.claim()) {
            return false;
        }
        Instant now = readClock();
        State s;
        State next;
        for (;;) {
            s = state;
            if (s.refresh != refresh) {
                return true; // unreachable: an unclaimed refresh leaves the state only here
            }
            next = s.refresherFailed(failureCooldown(s.cooldown.failures + 1, cause, now, false));
            if (transition(s, next)) {
                break;
            }
        }
        releaseFailed(s.wait, cause, () -> what, next.cooldown);
        countFailure(refresh, cause, next.cooldown);
        return true;
    }

    /**
     * The failure cooldown after {@code failures} failures in a row, the last being {@code cause}. Without a
     * reading of the clock ({@code now} null: the clock threw) no cooldown is in force. A failure that says when to
     * ask again ({@link io.github.tokenrefresh4j.RetryAfterHint}, such as a {@code Retry-After}) is honoured: the
     * longer of the two wins.
     */
    private Cooldown failureCooldown(int failures, Throwable cause, Instant now, boolean afterRejectedTokens) {
        long millis = Math.max(cooldownMillis(failures), RetryAfterHints.millis(cause));
        Instant retryAt = now == null ? Instant.MIN : plusSaturated(now, millis);
        return new Cooldown(failures, retryAt, now == null ? 0L : millis, cause, afterRejectedTokens);
    }

    /** The exception a failed refresh's waiters get; reads no clock. */
    private TokenRefreshException failure(Throwable cause, String what, Cooldown cooldown) {
        // The refresher's own message is already in the cause chain that every log prints; repeating it here
        // tells the caller what happened without digging.
        return new TokenRefreshException("token refresh of '" + name + "' " + what + "; next attempt allowed in "
            + cooldown.millis + "ms; cause: " + describe(cause), cause);
    }

    /** Counts and reports a failed refresher call, once per call, after its waiters were released. */
    private void countFailure(Refresh refresh, Throwable cause, Cooldown cooldown) {
        metrics.failedRefreshes.increment();
        if (events.hasConsumers()) {
            events.publish(new TokenRefreshFailedEvent(name, eventTime(), refresh.elapsed(), cause,
                Duration.ofMillis(cooldown.millis), refresh.reason));
        }
    }

    /**
     * Fails a wait the calling thread removed from the state, if any, with the exception its waiters get; with a
     * plain one if building that one fails (an {@code OutOfMemoryError}): the waiters are released whatever happens.
     */
    private void releaseFailed(Wait wait, Throwable cause, Supplier<String> what, Cooldown cooldown) {
        TokenRefreshException failure = null;
        try {
            failure = failure(cause, what.get(), cooldown);
        } finally {
            release(wait, failure != null ? failure : new TokenRefreshException("token refresh of '" + name
                + "' failed", cause));
        }
    }

    /** Completes a wait the calling thread removed from the state, if any, with a token or a failure. */
    private static void release(Wait wait, Object outcome) {
        if (wait == null) {
            return;
        }
        if (outcome instanceof AccessToken) {
            wait.blocking.complete((AccessToken) outcome); // synchronous callers first: no user code runs here
            wait.future.complete((AccessToken) outcome);
        } else {
            wait.blocking.completeExceptionally((Throwable) outcome);
            wait.future.completeExceptionally((Throwable) outcome);
        }
        cancelTimeout(wait); // after completing: a timeout stored meanwhile sees the wait done, or is seen here
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

    /**
     * The user's clock, or null when it throws: a reading whose failure must change nothing. Even an {@code Error}
     * (a clock library that fails to load): time out and give up read it after a refresh was claimed or before
     * the waiters it owes are released, and an escape there would strand them and leave the refresh marked running.
     */
    private Instant readClock() {
        try {
            return clock.instant();
        } catch (Throwable e) {
            LOG.log(Level.WARNING, "the clock of TokenRefreshDecorator '" + name + "' threw", e);
            return null;
        }
    }

    /** An event's time on the user's clock, or on the system clock when the user's throws. */
    private ZonedDateTime eventTime() {
        try {
            return ZonedDateTime.now(clock);
        } catch (Throwable e) { // even an Error: an event is never why a call fails or a response is not released
            return ZonedDateTime.now(Clock.systemUTC());
        }
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
            Instant now = readClock();
            if (now != null && now.isBefore(checkAt)) {
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
            Long millis = cooldownFunction.apply(failures);
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
        /**
         * What synchronous calls block on, completed before {@link #future}: the continuations of asynchronous
         * calls (their user functions) run inline when {@code future} completes, and must not hold them.
         */
        final CompletableFuture<AccessToken> blocking = new CompletableFuture<>();
        /** What asynchronous calls continue from. */
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
        /**
         * Taken once: by the task that runs the call, or by the code that gives up on a task it handed off
         * ({@code abandon}); a task that lost it never calls the refresher.
         */
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
        static final Cooldown NONE = new Cooldown(0, Instant.MIN, 0L, null, false);

        final int failures;
        final Instant retryAt;
        /** Its length when it started, for messages and events, which then need not read the clock. */
        final long millis;
        final Throwable lastFailure;
        final boolean afterRejectedTokens;

        Cooldown(int failures, Instant retryAt, long millis, Throwable lastFailure, boolean afterRejectedTokens) {
            this.failures = failures;
            this.retryAt = retryAt;
            this.millis = millis;
            this.lastFailure = lastFailure;
            this.afterRejectedTokens = afterRejectedTokens;
        }

        boolean inForce(Instant now) {
            return failures > 0 && now.isBefore(retryAt);
        }
    }

    /** Where the one refresher call of a decorator stands; see the class javadoc. */
    private enum Phase {
        /** No refresher call. */
        IDLE,
        /** A refresher call is handed off or running, and calls wait for it. */
        RUNNING,
        /** The refresher call runs on after a timeout released its waiters and counted it as failed. */
        RELEASED
    }

    /** An immutable snapshot of the decorator; each method is one transition of the class javadoc. */
    private static final class State {
        static final State EMPTY = new State(null, null, null, null, null, false, 0, Phase.IDLE, null, null,
            Cooldown.NONE);

        final AccessToken token;
        final Usable usable;
        final Deadlines deadlines;
        final AccessToken fastToken;
        final RefreshReason rejectedBy;
        final boolean accepted;
        final int rejectedUnused;
        final Phase phase;
        /** Set exactly when the phase is not {@code IDLE}. */
        final Refresh refresh;
        /** Set in {@code RUNNING}; maybe in {@code RELEASED}; never in {@code IDLE}. */
        final Wait wait;
        final Cooldown cooldown;

        private State(AccessToken token, Usable usable, Deadlines deadlines, AccessToken fastToken,
                      RefreshReason rejectedBy, boolean accepted, int rejectedUnused, Phase phase, Refresh refresh,
                      Wait wait, Cooldown cooldown) {
            this.token = token;
            this.usable = usable;
            this.deadlines = deadlines;
            this.fastToken = fastToken;
            this.rejectedBy = rejectedBy;
            this.accepted = accepted;
            this.rejectedUnused = rejectedUnused;
            this.phase = phase;
            this.refresh = refresh;
            this.wait = wait;
            this.cooldown = cooldown;
        }

        private State with(Phase newPhase, Refresh newRefresh, Wait newWait, Cooldown newCooldown) {
            return new State(token, usable, deadlines, fastToken, rejectedBy, accepted, rejectedUnused, newPhase,
                newRefresh, newWait, newCooldown);
        }

        /** start, ahead: IDLE to RUNNING, a refresher call and its waiters. */
        State running(Wait newWait) {
            return with(Phase.RUNNING, newWait.refresh, newWait, cooldown);
        }

        /** join in RELEASED: a new wave of waiters for the same refresher call. */
        State waitingAgain(Wait newWait) {
            return with(Phase.RELEASED, refresh, newWait, cooldown);
        }

        /** reject, invalidate: the token may no longer be handed out. */
        State rejected(RefreshReason by) {
            int unused = by == RefreshReason.REJECTED && !accepted && rejectedBy == null
                ? rejectedUnused + 1 : rejectedUnused;
            return new State(token, usable, deadlines, null, by, accepted, unused, phase, refresh, wait, cooldown);
        }

        /** reject, from the second token in a row rejected at once: the failure cooldown. */
        State coolingDown(Cooldown newCooldown) {
            return with(phase, refresh, wait, newCooldown);
        }

        /** accept: a call succeeded with the token. */
        State accepted(AccessToken newFastToken) {
            return new State(token, usable, deadlines, newFastToken, rejectedBy, true, 0, phase, refresh, wait,
                cooldown);
        }

        /** finish, success: the new token, neither rejected nor accepted yet, off the fast path until accepted. */
        State installed(AccessToken newToken, Usable newUsable, Deadlines newDeadlines) {
            return new State(newToken, newUsable, newDeadlines, null, null, false, rejectedUnused, Phase.IDLE, null,
                null, Cooldown.NONE);
        }

        /** finish in RUNNING, and give up: the failure counts and the cooldown starts; the token stays as it was. */
        State refresherFailed(Cooldown newCooldown) {
            return with(Phase.IDLE, null, null, newCooldown);
        }

        /** finish in RELEASED without a token: its timeout counted the failure already. */
        State refresherEnded() {
            return with(Phase.IDLE, null, null, cooldown);
        }

        /** time out in RUNNING: the waiters are released and the cooldown starts; the refresher call runs on. */
        State timedOut(Cooldown newCooldown) {
            return with(Phase.RELEASED, refresh, null, newCooldown);
        }

        /** time out in RELEASED: a later wave is released; the call's failure was counted once already. */
        State waveTimedOut() {
            return with(Phase.RELEASED, refresh, null, cooldown);
        }

        /** slow down: calls read the clock from now on. */
        State withoutFastPath() {
            return new State(token, usable, deadlines, null, rejectedBy, accepted, rejectedUnused, phase, refresh,
                wait, cooldown);
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
