package io.github.tokenrefresh4j.httpclient5;

import io.github.tokenrefresh4j.TokenRefreshDecorator;
import org.apache.hc.client5.http.async.AsyncExecCallback;
import org.apache.hc.client5.http.async.AsyncExecChain;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.AsyncDataConsumer;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.CapacityChannel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static io.github.tokenrefresh4j.httpclient5.HttpClient5Bearer.EXCHANGE;

/**
 * One request through the async handler. Each attempt goes down the chain with its own callback, which decides when
 * the response arrives: a response that is not a rejection goes straight on to the caller's callback (head, body,
 * end), and the decorator hears that the token was accepted; a rejection is read to its end into a buffer and
 * handed to the decorator only then, so that the next attempt starts on a finished exchange, as HttpClient's own
 * authentication retry does. When the decorator settles on a kept rejection, it is replayed to the caller.
 *
 * <p>The caller's callback hears exactly one {@code completed} or {@code failed}: {@link #finished} guards it.
 * While no attempt is in flight the request's cancellable dependency is this call, so a cancel ends the wait.
 */
final class AsyncBearerCall {

    /** How much of a rejected response's body is kept for a replay; 401 bodies are short. */
    private static final int KEPT_BODY_LIMIT = 64 * 1024;

    private static final String CANCELLED = "request cancelled while waiting for an access token";

    private final TokenRefreshDecorator tokens;
    private final HttpRequest request;
    private final AsyncEntityProducer entityProducer;
    private final AsyncExecChain.Scope scope;
    private final AsyncExecChain chain;
    private final AsyncExecCallback caller;
    private final boolean repeatable;
    private final Predicate<Object> rejection;
    private final AtomicBoolean finished = new AtomicBoolean();
    private final AtomicInteger attempts = new AtomicInteger();
    private volatile Kept lastRejection;
    private volatile CompletableFuture<HttpResponse> outcome;

    AsyncBearerCall(TokenRefreshDecorator tokens, HttpRequest request, AsyncEntityProducer entityProducer,
                    AsyncExecChain.Scope scope, AsyncExecChain chain, AsyncExecCallback caller) {
        this.tokens = tokens;
        this.request = request;
        this.entityProducer = entityProducer;
        this.scope = scope;
        this.chain = chain;
        this.caller = caller;
        this.repeatable = entityProducer == null || entityProducer.isRepeatable();
        this.rejection = tokens.getTokenRefreshConfig().getRefreshOnResult();
    }

    void start() {
        scope.cancellableDependency.setDependency(this::cancel);
        CompletableFuture<HttpResponse> settled = EXCHANGE.executeAsync(tokens, request, this::send)
            .toCompletableFuture();
        outcome = settled;
        settled.whenComplete(this::settle);
    }

    private CompletableFuture<HttpResponse> send(HttpRequest attempt) {
        CompletableFuture<HttpResponse> result = new CompletableFuture<>();
        if (finished.get() || scope.cancellableDependency.isCancelled()) {
            result.completeExceptionally(new InterruptedIOException(CANCELLED));
            return result;
        }
        try {
            if (entityProducer != null && attempts.getAndIncrement() > 0) {
                entityProducer.releaseResources(); // rewinds a repeatable producer, as HttpClient's retries do
            }
            chain.proceed(attempt, entityProducer, scope, new Attempt(result));
        } catch (HttpException | IOException | RuntimeException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    private void settle(HttpResponse response, Throwable failure) {
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
            if (cause instanceof PassedOn) {
                return; // the caller has its response already
            }
            // a cancel() failed the caller already, so this is a no-op for it; a CancellationException from below
            // (a scheduled re-execution cancelled, say) must reach the caller
            fail(cause instanceof Exception ? (Exception) cause : new IOException(cause));
            return;
        }
        Kept kept = lastRejection;
        if (kept != null && kept.response == response) {
            replay(kept);
        }
        // otherwise the response went on to the caller as it arrived
    }

    private void replay(Kept kept) {
        try {
            AsyncDataConsumer consumer = caller.handleResponse(kept.response, kept.entityDetails);
            if (consumer != null) {
                consumer.updateCapacity(increment -> { });
                consumer.consume(ByteBuffer.wrap(kept.body.toByteArray()));
                consumer.streamEnd(kept.trailers);
            }
            if (finished.compareAndSet(false, true)) {
                caller.completed();
            }
        } catch (HttpException | IOException | RuntimeException e) {
            fail(e);
        } catch (Error e) {
            // this runs in a stage's callback, which would swallow it: the caller hears it or nobody does
            fail(new IOException(e));
        }
    }

    private boolean cancel() {
        fail(new InterruptedIOException(CANCELLED)); // first, so that the caller hears this and not the cancel below
        CompletableFuture<HttpResponse> settled = outcome;
        if (settled != null) {
            settled.cancel(false); // ends this call's wait; a shared refresh goes on
        }
        return true;
    }

    private void fail(Exception cause) {
        if (finished.compareAndSet(false, true)) {
            caller.failed(cause);
        }
    }

    /** The callback of one attempt. */
    private final class Attempt implements AsyncExecCallback {

        private final CompletableFuture<HttpResponse> result;
        private volatile boolean passedOn;
        private volatile Kept kept;

        Attempt(CompletableFuture<HttpResponse> result) {
            this.result = result;
        }

        @Override
        public AsyncDataConsumer handleResponse(HttpResponse response, EntityDetails entityDetails)
            throws HttpException, IOException {
            if (rejection.test(response) && repeatable) {
                Kept rejected = new Kept(response, entityDetails);
                kept = rejected;
                return entityDetails == null ? null : rejected;
            }
            passedOn = true;
            AsyncDataConsumer consumer = caller.handleResponse(response, entityDetails);
            if (rejection.test(response)) {
                result.completeExceptionally(new PassedOn()); // not repeatable: no verdict, no retry
            } else {
                result.complete(response);
            }
            return consumer;
        }

        @Override
        public void handleInformationResponse(HttpResponse response) throws HttpException, IOException {
            caller.handleInformationResponse(response);
        }

        @Override
        public void completed() {
            if (passedOn) {
                if (finished.compareAndSet(false, true)) {
                    caller.completed();
                }
                return;
            }
            Kept rejected = kept;
            if (rejected == null) {
                result.completeExceptionally(new IOException("exchange completed without a response"));
                return;
            }
            lastRejection = rejected;
            scope.cancellableDependency.setDependency(AsyncBearerCall.this::cancel);
            result.complete(rejected.response);
        }

        @Override
        public void failed(Exception cause) {
            if (passedOn) {
                fail(cause);
            } else {
                result.completeExceptionally(cause);
            }
        }
    }

    /** A rejected response read to its end, kept for a replay. */
    private static final class Kept implements AsyncDataConsumer {

        final HttpResponse response;
        final EntityDetails entityDetails;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        volatile List<Header> trailers;

        Kept(HttpResponse response, EntityDetails entityDetails) {
            this.response = response;
            this.entityDetails = entityDetails;
        }

        @Override
        public void updateCapacity(CapacityChannel capacityChannel) throws IOException {
            capacityChannel.update(Integer.MAX_VALUE);
        }

        @Override
        public void consume(ByteBuffer src) {
            int keep = Math.min(src.remaining(), KEPT_BODY_LIMIT - body.size());
            if (keep > 0) {
                byte[] chunk = new byte[keep];
                src.get(chunk);
                body.write(chunk, 0, keep);
            }
            src.position(src.limit());
        }

        @Override
        public void streamEnd(List<? extends Header> trailers) {
            this.trailers = trailers == null ? null : new ArrayList<>(trailers);
        }

        @Override
        public void releaseResources() {
        }
    }

    /**
     * Completes an attempt whose rejection went on to the caller without a verdict (a request that cannot be sent
     * again). It extends {@link Throwable} directly, so a {@code refreshOnException} written for exceptions never
     * matches it; no message, no stack trace.
     */
    private static final class PassedOn extends Throwable {
        private static final long serialVersionUID = 1L;

        PassedOn() {
            super(null, null, false, false);
        }
    }
}
