package io.github.tokenrefresh4j.okhttp;

import io.github.resilience4j.core.functions.CheckedFunction;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.internal.Unjudged;
import okhttp3.Call;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs one decorated call on OkHttp's call thread, as the blocking decorator would, but waits for a refresh through
 * the decorator's asynchronous path, so that the wait ends as soon as the OkHttp call is cancelled: by
 * {@link Call#cancel()} or by its {@code callTimeout}, whose watchdog cancels the call.
 *
 * <p>The decorator hands each attempt's token over through a queue; this thread takes it, runs the attempt
 * (typically {@code chain.proceed}) and completes the attempt's stage, so the network call never runs on the
 * decorator's refresh executor. When the call is cancelled while it waits, the handoff is abandoned: an attempt
 * handed over later fails at once with the cancellation, so the decorator's stage completes and nothing is left
 * pending. The shared refresh itself is not cancelled.
 */
final class CallBoundExecution<R> {

    /** How often a wait looks at the call's cancellation; OkHttp offers no cancellation callback to interceptors. */
    private static final long CANCELLATION_POLL_MILLIS = 20;

    private static final Object DONE = new Object();

    private final BlockingQueue<Object> handoff = new LinkedBlockingQueue<>();
    private final AtomicBoolean abandoned = new AtomicBoolean();
    private final CheckedFunction<AccessToken, R> attempt;

    private CallBoundExecution(CheckedFunction<AccessToken, R> attempt) {
        this.attempt = attempt;
    }

    /**
     * @param call the OkHttp call whose cancellation ends a wait, or null when unknown (then only the decorator's
     *             refresh timeout bounds it)
     * @return the outcome the decorator settles on
     * @throws IOException the attempt's own IOException; an {@link InterruptedIOException} when the call was cancelled
     *                     or this thread interrupted while it waited; an IOException caused by the
     *                     {@link TokenRefreshException} when no token could be had
     */
    static <R> R execute(TokenRefreshDecorator tokens, Call call, CheckedFunction<AccessToken, R> attempt)
        throws IOException {
        return new CallBoundExecution<>(attempt).run(tokens, call);
    }

    @SuppressWarnings("unchecked")
    private R run(TokenRefreshDecorator tokens, Call call) throws IOException {
        CompletionStage<R> outcome = tokens.executeCompletionStage(this::handOver);
        outcome.whenComplete((result, failure) -> handoff.add(DONE));
        while (true) {
            Object next;
            try {
                next = handoff.poll(CANCELLATION_POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                abandon();
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for an access token");
            }
            if (next == DONE) {
                return settled(outcome.toCompletableFuture());
            }
            if (next != null) {
                runAttempt((Handover<R>) next);
            } else if (call != null && call.isCanceled()) {
                abandon();
                throw new InterruptedIOException("call canceled while waiting for an access token");
            }
        }
    }

    /** Called by the decorator, on any thread, for each attempt. */
    private CompletionStage<R> handOver(AccessToken token) {
        Handover<R> handover = new Handover<>(token);
        handoff.add(handover);
        if (abandoned.get()) {
            failPending(); // the call thread left before this handover: fail it here so the decorator completes
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

    private void abandon() {
        abandoned.set(true);
        failPending();
    }

    @SuppressWarnings("unchecked")
    private void failPending() {
        Object pending;
        while ((pending = handoff.poll()) != null) {
            if (pending != DONE) {
                ((Handover<R>) pending).result.completeExceptionally(
                    new InterruptedIOException("call canceled while waiting for an access token"));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <R> R settled(CompletableFuture<R> outcome) throws IOException {
        try {
            return outcome.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof Unjudged) {
                return (R) ((Unjudged) cause).outcome();
            }
            if (cause instanceof TokenRefreshException) {
                throw new IOException(cause.getMessage(), cause); // OkHttp expects IOException from interceptors
            }
            if (cause instanceof IOException) {
                throw (IOException) cause;
            }
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new IOException(cause);
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
