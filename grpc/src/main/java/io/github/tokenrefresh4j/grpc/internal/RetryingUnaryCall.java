package io.github.tokenrefresh4j.grpc.internal;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A unary call run through the decorator: each attempt is a new call on the next channel, carrying the token the
 * decorator bound to it; the decorator judges each attempt's {@link CallOutcome} and retries a rejected one. The
 * caller's listener sees one outcome only, the one the decorator settles on.
 *
 * <p>The request is buffered: a unary call sends exactly one message, then half-closes, and the first attempt
 * starts at the half-close. The response of an attempt is buffered too (one message at most), and delivered with
 * its headers and status once the decorator settles, through the call's executor when it has one (a blocking stub's
 * executor must run it).
 *
 * <p>Waiting for a refresh ends when the caller cancels the call, when its deadline (from the call options or the
 * context) passes, or when its context is cancelled; an attempt that is running ends by the same causes, as any
 * gRPC call does. Attempts run in the caller's context, so its deadline and values propagate.
 */
public final class RetryingUnaryCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {

    private final TokenRefreshDecorator tokens;
    private final Channel next;
    private final MethodDescriptor<ReqT, RespT> method;
    private final CallOptions options;
    private final Context context;
    private final AtomicBoolean delivered = new AtomicBoolean();

    private Listener<RespT> listener;
    private Metadata headers;
    private ReqT request;
    private boolean hasRequest;
    private volatile boolean messageCompression;
    private volatile boolean launched;
    private volatile ClientCall<ReqT, RespT> current;
    private volatile CompletableFuture<CallOutcome> outcome;
    private volatile ScheduledFuture<?> deadlineTimer;
    private volatile Context.CancellationListener contextListener;

    public RetryingUnaryCall(TokenRefreshDecorator tokens, Channel next, MethodDescriptor<ReqT, RespT> method,
                             CallOptions options) {
        this.tokens = tokens;
        this.next = next;
        this.method = method;
        this.options = options;
        this.context = Context.current();
    }

    @Override
    public void start(Listener<RespT> responseListener, Metadata headers) {
        if (listener != null) {
            throw new IllegalStateException("already started");
        }
        this.listener = java.util.Objects.requireNonNull(responseListener, "responseListener must not be null");
        this.headers = java.util.Objects.requireNonNull(headers, "headers must not be null");
    }

    @Override
    public void request(int numMessages) {
        // Each attempt requests its one response itself; it is delivered when the decorator settles.
    }

    @Override
    public void sendMessage(ReqT message) {
        if (hasRequest) {
            throw new IllegalStateException("a unary call sends one message");
        }
        request = message;
        hasRequest = true;
    }

    @Override
    public void setMessageCompression(boolean enabled) {
        messageCompression = enabled;
    }

    @Override
    public boolean isReady() {
        return !launched;
    }

    @Override
    public Attributes getAttributes() {
        ClientCall<ReqT, RespT> call = current;
        return call == null ? Attributes.EMPTY : call.getAttributes();
    }

    @Override
    public void halfClose() {
        if (listener == null) {
            throw new IllegalStateException("not started");
        }
        if (launched || delivered.get()) {
            return;
        }
        launched = true;
        if (!hasRequest) {
            deliver(new CallOutcome(Status.INTERNAL.withDescription("a unary call half-closed without a message"),
                new Metadata(), null, null));
            return;
        }
        watchDeadlineAndContext();
        CompletionStage<CallOutcome> stage = tokens.executeCompletionStage(this::attempt);
        outcome = stage.toCompletableFuture();
        stage.whenComplete((result, failure) -> {
            if (failure == null) {
                deliver(result);
            } else if (options.getExecutor() != null) {
                deliver(CallOutcome.of(GrpcBearer.failureStatus(failure))); // closed through the call's executor
            } else if (!delivered.get()) { // not a wait that the caller's cancel or deadline ended
                // No token: this runs on the thread that ended the shared refresh, one waiting call after another;
                // each listener is closed on a thread of its own, so that one that blocks holds no other.
                elsewhere(() -> deliver(CallOutcome.of(GrpcBearer.failureStatus(failure))));
            }
        });
    }

    @Override
    public void cancel(String message, Throwable cause) {
        abort(Status.CANCELLED.withDescription(message != null ? message : "call cancelled").withCause(cause));
    }

    /** Ends the call now: the running attempt is cancelled, a wait for a refresh ends, the listener is closed. */
    private void abort(Status status) {
        deliver(CallOutcome.of(status)); // first: what the cancellations below complete is delivered no more
        ClientCall<ReqT, RespT> call = current;
        if (call != null) {
            call.cancel(status.getDescription(), status.getCause());
        }
        CompletableFuture<CallOutcome> pending = outcome;
        if (pending != null) {
            pending.cancel(false); // ends a wait for a refresh; the shared refresh goes on
        }
    }

    private void watchDeadlineAndContext() {
        Deadline deadline = earliest(options.getDeadline(), context.getDeadline());
        if (deadline != null) {
            Runnable expire = () -> abort(Status.DEADLINE_EXCEEDED.withDescription(
                "deadline exceeded while waiting for an access token or its attempt"));
            // The scheduler is the library's one shared thread: the listener (which may block) is closed elsewhere.
            deadlineTimer = deadline.runOnExpiration(() -> elsewhere(expire),
                tokens.getTokenRefreshConfig().getScheduler());
        }
        Context.CancellationListener onCancel = cancelled -> abort(Contexts.statusFromCancelled(cancelled));
        contextListener = onCancel;
        context.addListener(onCancel, Runnable::run); // a no-op for a context that cannot be cancelled
    }

    /** Runs a task that closes a call (user code) on a thread of {@link CloseThreads}. */
    private static void elsewhere(Runnable task) {
        try {
            CloseThreads.EXECUTOR.execute(task);
        } catch (Throwable e) { // even an Error (no thread could be started): the call must still be closed
            task.run();
        }
    }

    /**
     * Daemon threads, created on demand and ended after a minute idle, that close calls without a call executor
     * whose deadline passed or that could get no token: never the library's shared scheduler or refresher threads.
     */
    private static final class CloseThreads {
        static final Executor EXECUTOR = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), runnable -> {
                Thread thread = new Thread(runnable, "tokenrefresh4j-grpc-close");
                thread.setDaemon(true);
                return thread;
            });
    }

    private static Deadline earliest(Deadline a, Deadline b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : a.minimum(b);
    }

    /** Called by the decorator, on any thread, for each attempt. */
    private CompletionStage<CallOutcome> attempt(AccessToken token) {
        if (delivered.get()) {
            return CompletableFuture.completedFuture(CallOutcome.of(Status.CANCELLED));
        }
        CompletableFuture<CallOutcome> result = new CompletableFuture<>();
        CallOptions attemptOptions = TokenRefreshCalls.withToken(tokens, options,
            CompletableFuture.completedFuture(token));
        Context previous = context.attach();
        try {
            ClientCall<ReqT, RespT> call = next.newCall(method, attemptOptions);
            current = call;
            Metadata attemptHeaders = new Metadata();
            attemptHeaders.merge(headers);
            call.start(new AttemptListener<>(result), attemptHeaders);
            call.request(2); // one message, and room to see a second one, as gRPC's own unary calls ask
            call.setMessageCompression(messageCompression);
            call.sendMessage(request);
            call.halfClose();
            if (delivered.get()) {
                call.cancel("call ended while its attempt started", null);
            }
        } catch (RuntimeException | Error e) {
            result.complete(CallOutcome.of(Status.fromThrowable(e)));
        } finally {
            context.detach(previous);
        }
        return result;
    }

    @SuppressWarnings("unchecked")
    private void deliver(CallOutcome settled) {
        if (!delivered.compareAndSet(false, true) || listener == null) {
            return; // delivered already, or cancelled before start: there is no listener to tell
        }
        ScheduledFuture<?> timer = deadlineTimer;
        if (timer != null) {
            timer.cancel(false);
        }
        Context.CancellationListener onCancel = contextListener;
        if (onCancel != null) {
            context.removeListener(onCancel);
        }
        Runnable close = () -> {
            Status status = settled.status;
            Metadata trailers = settled.trailers;
            try {
                if (settled.headers != null) {
                    listener.onHeaders(settled.headers);
                }
                if (settled.message != null && status.isOk()) {
                    listener.onMessage((RespT) settled.message);
                }
            } catch (RuntimeException | Error e) {
                // as gRPC's own calls do: a listener that throws still gets its close, CANCELLED with the cause
                status = Status.CANCELLED.withDescription("the call's listener failed").withCause(e);
                trailers = new Metadata();
            }
            listener.onClose(status, trailers);
        };
        Executor executor = options.getExecutor();
        if (executor != null) {
            executor.execute(close);
        } else {
            close.run();
        }
    }

    @Override
    public String toString() {
        return "RetryingUnaryCall{" + method.getFullMethodName() + '}';
    }

    /** Buffers one attempt's response until it closes. */
    private static final class AttemptListener<RespT> extends Listener<RespT> {
        private final CompletableFuture<CallOutcome> result;
        private volatile Metadata headers;
        private volatile Object message;

        AttemptListener(CompletableFuture<CallOutcome> result) {
            this.result = result;
        }

        @Override
        public void onHeaders(Metadata headers) {
            this.headers = headers;
        }

        @Override
        public void onMessage(RespT message) {
            this.message = message;
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            result.complete(new CallOutcome(status, trailers, headers, message));
        }
    }
}
