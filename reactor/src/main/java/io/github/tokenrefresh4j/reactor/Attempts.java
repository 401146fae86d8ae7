package io.github.tokenrefresh4j.reactor;

import io.github.tokenrefresh4j.AccessToken;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The attempts of one subscription, as the decorator's asynchronous path asks for them. Each attempt subscribes to
 * the call's publisher with the attempt's token in the context, requests one element, and reports its first signal
 * as the attempt's outcome: the first element (which {@code refreshOnResult} sees), an error before any element
 * (which {@code refreshOnException} sees), or {@code null} for an empty completion. The decorator runs attempts one
 * after the other, so the last attempt is the one whose outcome it settles on; the rest of that attempt's elements
 * are then forwarded downstream by {@link Attempt#forwardRestTo(FluxSink)}.
 *
 * <p>Disposing (the subscriber cancelled) cancels the attempt in flight and makes any later attempt fail at once,
 * so that the decorator's stage completes; the decorator's shared refresh is not touched.
 */
final class Attempts<T> implements Function<AccessToken, CompletionStage<T>>, Disposable {

    private final Function<AccessToken, ? extends Publisher<? extends T>> call;
    private final ContextView downstreamContext;
    private final Consumer<Object> discard;
    private volatile Attempt<T> current;
    private volatile boolean disposed;

    /**
     * @param discard releases an element that arrives after the subscriber cancelled (the decorator's
     *                {@code consumeResultBeforeRetryAttempt}): it reaches neither the decorator nor the subscriber
     */
    Attempts(Function<AccessToken, ? extends Publisher<? extends T>> call, ContextView downstreamContext,
             Consumer<Object> discard) {
        this.call = call;
        this.downstreamContext = downstreamContext;
        this.discard = discard;
    }

    @Override
    public CompletionStage<T> apply(AccessToken token) {
        Attempt<T> attempt = new Attempt<>(this,
            Context.of(downstreamContext).put(TokenRefreshOperator.TOKEN_KEY, token));
        Attempt<T> rejected = current;
        current = attempt;
        if (rejected != null) {
            rejected.cancel(); // a Flux whose first element was rejected would otherwise stay open, unrequested
        }
        if (disposed) {
            attempt.cancel();
            return CompletableFuture.failedFuture(new CancellationException("the subscriber cancelled"));
        }
        Publisher<? extends T> publisher;
        try {
            publisher = call.apply(token);
        } catch (Throwable t) {
            return CompletableFuture.failedFuture(t);
        }
        if (publisher == null) {
            return CompletableFuture.failedFuture(new NullPointerException("the call returned a null publisher"));
        }
        publisher.subscribe(attempt);
        return attempt.head;
    }

    /** @return the attempt the decorator settled on, once it has */
    Attempt<T> last() {
        return current;
    }

    @Override
    public void dispose() {
        disposed = true;
        Attempt<T> attempt = current;
        if (attempt != null) {
            attempt.cancel();
        }
    }

    @Override
    public boolean isDisposed() {
        return disposed;
    }

    /** One subscription to the call's publisher. */
    static final class Attempt<T> implements CoreSubscriber<T> {

        @SuppressWarnings("rawtypes")
        private static final AtomicReferenceFieldUpdater<Attempt, Subscription> UPSTREAM =
            AtomicReferenceFieldUpdater.newUpdater(Attempt.class, Subscription.class, "upstream");

        final CompletableFuture<T> head = new CompletableFuture<>();
        private final Attempts<T> owner;
        private final Context context;
        private volatile Subscription upstream;
        /** Only the upstream's signalling thread reads and writes it (Reactive Streams §1.3). */
        private boolean started;
        /** Where elements after the first go; with the terminal signal, guarded by {@code this}. */
        private FluxSink<T> rest;
        private boolean terminated;
        private Throwable terminalError;

        Attempt(Attempts<T> owner, Context context) {
            this.owner = owner;
            this.context = context;
        }

        @Override
        public Context currentContext() {
            return context;
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.setOnce(UPSTREAM, this, s)) {
                s.request(1);
            }
        }

        @Override
        public void onNext(T element) {
            if (!started) {
                started = true;
                if (owner.disposed) {
                    // Sent before the cancellation reached the upstream (Reactive Streams §2.8); the decorator's
                    // stage was cancelled and would drop it, so release it here (a response and its connection).
                    discard(element);
                } else {
                    head.complete(element);
                }
                return;
            }
            FluxSink<T> sink;
            synchronized (this) {
                sink = rest;
            }
            if (sink != null) { // more than the first element arrive only on demand the sink forwarded
                sink.next(element);
            }
        }

        @Override
        public void onError(Throwable error) {
            if (!started) {
                started = true;
                head.completeExceptionally(error);
            } else {
                terminate(error);
            }
        }

        @Override
        public void onComplete() {
            if (!started) {
                started = true;
                head.complete(null);
            } else {
                terminate(null);
            }
        }

        /** Forwards the elements after the first one, on the sink's demand, and the terminal signal. */
        void forwardRestTo(FluxSink<T> sink) {
            boolean done;
            Throwable error;
            synchronized (this) {
                rest = sink;
                done = terminated;
                error = terminalError;
            }
            if (done) {
                signal(sink, error);
            } else {
                sink.onRequest(n -> upstream.request(n));
            }
        }

        void cancel() {
            Operators.terminate(UPSTREAM, this);
        }

        private void terminate(Throwable error) {
            FluxSink<T> sink;
            synchronized (this) {
                terminated = true;
                terminalError = error;
                sink = rest;
            }
            if (sink != null) {
                signal(sink, error);
            }
        }

        private void discard(T element) {
            try {
                owner.discard.accept(element);
            } catch (RuntimeException e) {
                Operators.onErrorDropped(e, context);
            }
        }

        private static void signal(FluxSink<?> sink, Throwable error) {
            if (error == null) {
                sink.complete();
            } else {
                sink.error(error);
            }
        }
    }
}
