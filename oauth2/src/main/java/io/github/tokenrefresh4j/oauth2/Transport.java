package io.github.tokenrefresh4j.oauth2;

import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The HTTP exchange: sends an SDK request through the JDK {@link HttpClient}, not the SDK's default
 * {@code HttpURLConnection}: that one sends a POST a second time when the connection drops before the answer, which on
 * a rotating refresh-token grant presents a refresh token the server may have just spent. The JDK client retries no
 * POST, and its send can be interrupted. Redirects are not followed: a token endpoint that redirects is
 * misconfigured, and the credentials must not follow it elsewhere.
 */
final class Transport {

    /** Headers the JDK client sets itself and refuses from the caller. */
    private static final Set<String> RESTRICTED_HEADERS = Set.of("content-length", "host", "connection", "expect",
        "upgrade");

    private final HttpClient http;
    private final Duration readTimeout;
    private final int maxResponseSize;

    /**
     * @param http a client that follows no redirect: the builder's own, or one the user gave and the builder
     *             checked
     */
    Transport(HttpClient http, Duration readTimeout, int maxResponseSize) {
        this.http = http;
        this.readTimeout = readTimeout;
        this.maxResponseSize = maxResponseSize;
    }

    static HttpClient defaultClient(Duration connectTimeout) {
        return HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NEVER)
            .build();
    }

    /** Sends and waits, interruptibly, at most the read timeout for the whole answer. */
    HTTPResponse send(HTTPRequest request, Failures failures) throws TokenEndpointException {
        CompletableFuture<HTTPResponse> exchange = sendAsync(request, failures);
        try {
            return exchange.get();
        } catch (ExecutionException e) {
            throw failures.unwrap(e.getCause());
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            throw failures.interrupted(e);
        }
    }

    /**
     * Sends without blocking; the answer, or a {@link TokenEndpointException} that says why none came, within the
     * read timeout. Cancelling the result cancels the exchange.
     */
    CompletableFuture<HTTPResponse> sendAsync(HTTPRequest request, Failures failures) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(request.getURI()).timeout(readTimeout);
        request.getHeaderMap().forEach((name, values) -> {
            if (!RESTRICTED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> builder.header(name, value));
            }
        });
        String body = request.getBody();
        builder.method(request.getMethod().name(), body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
        CompletableFuture<HttpResponse<String>> exchange;
        try {
            exchange = http.sendAsync(builder.build(), info -> new CappedBody(info, maxResponseSize));
        } catch (RuntimeException e) {
            // A wrapping or closed client may throw rather than fail its future: still one answer, in the future.
            return CompletableFuture.failedFuture(failure(e, failures));
        }
        // The request timeout ends when the headers arrive; this deadline bounds the body as well, so an endpoint
        // that sends its headers and then stalls cannot hold the refreshing thread.
        CompletableFuture<HTTPResponse> answer = exchange.copy()
            .orTimeout(readTimeout.toNanos(), TimeUnit.NANOSECONDS)
            .handle((response, failure) -> {
                if (failure != null) {
                    exchange.cancel(true);
                    throw new CompletionException(failure(failure, failures));
                }
                HTTPResponse converted = new HTTPResponse(response.statusCode());
                response.headers().map().forEach((name, values) -> converted.setHeader(name,
                    values.toArray(new String[0])));
                converted.setBody(response.body());
                return converted;
            });
        answer.whenComplete((response, failure) -> {
            if (answer.isCancelled()) {
                exchange.cancel(true);
            }
        });
        return answer;
    }

    private TokenEndpointException failure(Throwable failure, Failures failures) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause() : failure;
        for (Throwable t = cause; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof TooLarge) {
                return failures.tooLarge(((TooLarge) t).status, maxResponseSize);
            }
        }
        if (cause instanceof TimeoutException) {
            return failures.ioFailure(new HttpTimeoutException("no complete answer within " + readTimeout.toMillis()
                + " ms"));
        }
        if (cause instanceof IOException) {
            return failures.ioFailure((IOException) cause);
        }
        return failures.ioFailure(new IOException("the HTTP client failed: " + cause.getClass().getName(), cause));
    }

    /** A body longer than the cap: the subscription was cancelled, nothing more is read. */
    private static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;
        private final int status;

        TooLarge(int status) {
            super("the body is longer than the cap");
            this.status = status;
        }
    }

    /**
     * Reads the body as UTF-8 (RFC 8259 §8.1) up to {@code max} bytes; past that, or when {@code Content-Length}
     * announces more, cancels the subscription and fails with {@link TooLarge}: a broken or hostile endpoint cannot
     * fill the heap.
     */
    private static final class CappedBody implements HttpResponse.BodySubscriber<String> {
        private final int status;
        private final int max;
        private final long announced;
        private final CompletableFuture<String> body = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        CappedBody(HttpResponse.ResponseInfo info, int max) {
            this.status = info.statusCode();
            this.max = max;
            this.announced = info.headers().firstValueAsLong("Content-Length").orElse(-1L);
        }

        @Override
        public CompletionStage<String> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            if (announced > max) {
                tooLarge();
            } else {
                subscription.request(1);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (body.isDone()) {
                return;
            }
            for (ByteBuffer buffer : buffers) {
                if (buffer.remaining() > max - bytes.size()) {
                    tooLarge();
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
            subscription.request(1);
        }

        private void tooLarge() {
            subscription.cancel();
            body.completeExceptionally(new TooLarge(status));
        }

        @Override
        public void onError(Throwable throwable) {
            body.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            body.complete(bytes.toString(StandardCharsets.UTF_8));
        }
    }
}
