package io.github.tokenrefresh4j.internal;

import io.github.resilience4j.core.functions.CheckedFunction;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshDecorator;

import java.lang.reflect.UndeclaredThrowableException;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Runs one decorated call on the caller's thread, as the blocking decorator would, but waits for a refresh through
 * the decorator's asynchronous path, so that the caller's cancellation ends the wait at once instead of at
 * {@code refreshTimeout}. For blocking clients whose calls can be cancelled from another thread: OkHttp
 * ({@code Call.cancel()}, polled: OkHttp offers interceptors no callback) and Apache HttpClient 5 classic
 * ({@code HttpUriRequestBase.cancel()}, a callback: its {@code CancellableDependency} calls {@link #cancel()}).
 * Not public API.
 *
 * <p>The decorator hands each attempt's token over through a queue; the caller's thread takes it, runs the attempt
 * (the client's network call) and completes the attempt's stage, so the network call never runs on the decorator's
 * refresh executor. {@link #cancel()} puts a mark in the same queue, and an interrupt ends the same take.
 *
 * <ul>
 *   <li>A cancellation that arrives once the decorator settled (its outcome is done) changes nothing: the caller
 *       gets that outcome, so a response the caller was given is never left unread.</li>
 *   <li>Otherwise the call is abandoned: the decorator's stage is cancelled, which frees its waiting slot (the
 *       shared refresh goes on for the others) and hands any late result, {@link Unjudged} or not, to
 *       {@code consumeResultBeforeRetryAttempt}, and an attempt handed over later ends at once without a verdict,
 *       so nothing is sent for the cancelled call and no token is rejected for it.</li>
 *   <li>An {@link Unjudged} outcome is handed back as the caller's outcome.</li>
 * </ul>
 *
 * @param <R> the attempt's outcome
 */
public final class CancellableExecution<R> {

    /** How often a wait looks at a polled cancellation, for clients that offer no cancellation callback. */
    private static final long CANCELLATION_POLL_MILLIS = 20;

    private static final String CANCELLED = "cancelled while waiting for an access token";
    private static final String INTERRUPTED = "interrupted while waiting for an access token";

    private static final Object DONE = new Object();
    private static final Object CANCEL = new Object();

    private final BlockingQueue<Object> handoff = new LinkedBlockingQueue<>();
    private final AtomicBoolean abandoned = new AtomicBoolean();
    private final CheckedFunction<AccessToken, R> attempt;
    private final Function<String, ? extends Exception> cancelled;

    private CancellableExecution(CheckedFunction<AccessToken, R> attempt,
                                 Function<String, ? extends Exception> cancelled) {
        this.attempt = attempt;
        this.cancelled = cancelled;
    }

    /**
     * @param attempt   one attempt with a token, run on the caller's thread; it may throw an {@link Unjudged}
     * @param cancelled the client's own exception for a cancelled call, from a message such as
     *                  "cancelled while waiting for an access token" (for OkHttp an {@code InterruptedIOException},
     *                  for HttpClient 5 its {@code RequestFailedException})
     * @param <R>       the attempt's outcome
     * @return an execution to {@link #run} once
     */
    public static <R> CancellableExecution<R> of(CheckedFunction<AccessToken, R> attempt,
                                                 Function<String, ? extends Exception> cancelled) {
        return new CancellableExecution<>(Objects.requireNonNull(attempt, "attempt must not be null"),
            Objects.requireNonNull(cancelled, "cancelled must not be null"));
    }

    /**
     * Ends the caller's wait at once; from any thread, at any time, any number of times. An attempt running on the
     * caller's thread is not interrupted (the client aborts its own exchange); its outcome wins if the decorator
     * settles on it.
     */
    public void cancel() {
        handoff.add(CANCEL);
    }

    /**
     * Runs the decorated call on this thread.
     *
     * @param tokens      the decorator
     * @param isCancelled polled while waiting, for a client without a cancellation callback; null when
     *                    {@link #cancel()} is the only way (then, without it, only {@code refreshTimeout} bounds
     *                    a wait)
     * @param beforeWait  run on this thread when it is about to wait, before its first wait and after each attempt
     *                    that a wait follows: the place to (re)install a callback that calls {@link #cancel()}, which
     *                    the attempt's client may have replaced with its own; null when not needed
     * @return the outcome the decorator settles on
     * @throws Exception what the attempt threw, or the decorator's exception when no token could be had; the
     *                   {@code cancelled} exception when the call was cancelled while it waited, with the message
     *                   "interrupted while waiting for an access token" when this thread was interrupted (its
     *                   interrupt flag stays set); what {@code beforeWait} or {@code isCancelled} threw, the call
     *                   abandoned as when it is cancelled
     */
    public R run(TokenRefreshDecorator tokens, BooleanSupplier isCancelled, Runnable beforeWait) throws Exception {
        CompletableFuture<R> outcome = tokens.executeCompletionStage(this::handOver).toCompletableFuture();
        outcome.whenComplete((result, failure) -> handoff.add(DONE));
        try {
            return await(outcome, isCancelled, beforeWait);
        } catch (Throwable t) {
            if (!outcome.isDone()) {
                abandon(outcome); // beforeWait or isCancelled threw: the caller leaves as if cancelled
            }
            throw t;
        }
    }

    @SuppressWarnings("unchecked")
    private R await(CompletableFuture<R> outcome, BooleanSupplier isCancelled, Runnable beforeWait)
        throws Exception {
        boolean armed = false;
        while (true) {
            Object next;
            try {
                next = handoff.poll();
                if (next == null) {
                    if (!armed && beforeWait != null) {
                        beforeWait.run();
                    }
                    armed = true;
                    next = isCancelled == null
                        ? handoff.take()
                        : handoff.poll(CANCELLATION_POLL_MILLIS, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (!abandon(outcome)) {
                    return settled(outcome);
                }
                throw cancelled.apply(INTERRUPTED);
            }
            if (next == DONE) {
                return settled(outcome);
            }
            if (next instanceof Handover) {
                runAttempt((Handover<R>) next);
                armed = false; // the attempt's client may have put its own cancellation in place of the caller's
            } else if (next == CANCEL || (next == null && isCancelled.getAsBoolean())) {
                if (!abandon(outcome)) {
                    return settled(outcome);
                }
                throw cancelled.apply(CANCELLED);
            }
        }
    }

    /** Called by the decorator, on any thread, for each attempt. */
    private CompletableFuture<R> handOver(AccessToken token) {
        Handover<R> handover = new Handover<>(token);
        handoff.add(handover);
        if (abandoned.get()) {
            failPending(); // the caller left before this handover: fail it here so the decorator completes
        }
        return handover.result;
    }

    private void runAttempt(Handover<R> handover) {
        try {
            handover.result.complete(attempt.apply(handover.token));
        } catch (Throwable t) {
            handover.result.completeExceptionally(t);
        }
    }

    /**
     * Cancels the decorator's stage, which frees this call's waiting slot (a shared refresh goes on), and fails the
     * attempts handed over to it.
     *
     * @return false when the decorator settled first, even an instant before, on another thread: the caller takes
     *     that outcome, a response that nobody else would close
     */
    private boolean abandon(CompletableFuture<R> outcome) {
        if (!outcome.cancel(false) && !outcome.isCancelled()) {
            return false;
        }
        abandoned.set(true);
        failPending();
        return true;
    }

    @SuppressWarnings("unchecked")
    private void failPending() {
        Object pending;
        while ((pending = handoff.poll()) != null) {
            if (pending instanceof Handover) {
                // no verdict: not even a refreshOnException that matches the client's cancellation may reject the
                // token for an attempt that was never sent
                ((Handover<R>) pending).result.completeExceptionally(new Unjudged(null));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <R> R settled(CompletableFuture<R> outcome) throws Exception {
        try {
            return outcome.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof Unjudged) {
                return (R) ((Unjudged) cause).outcome();
            }
            if (cause instanceof Exception) {
                throw (Exception) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new UndeclaredThrowableException(cause);
        }
    }

    private static final class Handover<R> {
        final AccessToken token;
        final CompletableFuture<R> result = new CompletableFuture<>();

        Handover(AccessToken token) {
            this.token = token;
        }
    }
}
