package io.github.tokenrefresh4j.oauth2;

import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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

    Transport(Duration connectTimeout, Duration readTimeout) {
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER).build();
        this.readTimeout = readTimeout;
    }

    HTTPResponse send(HTTPRequest request, Failures failures) throws TokenEndpointException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(request.getURI()).timeout(readTimeout);
        request.getHeaderMap().forEach((name, values) -> {
            if (!RESTRICTED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> builder.header(name, value));
            }
        });
        String body = request.getBody();
        builder.method(request.getMethod().name(), body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
        // The request timeout ends when the headers arrive; the deadline on the future bounds the body as well, so
        // an endpoint that sends its headers and then stalls cannot hold the refreshing thread.
        CompletableFuture<HttpResponse<String>> exchange = http.sendAsync(builder.build(),
            HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> response;
        try {
            response = exchange.get(readTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw failures.ioFailure(new HttpTimeoutException("no complete answer within " + readTimeout.toMillis()
                + " ms"));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException) {
                throw failures.ioFailure((IOException) cause);
            }
            throw failures.ioFailure(new IOException("the HTTP client failed: " + cause.getClass().getName(), cause));
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            throw failures.interrupted(e);
        }
        HTTPResponse answer = new HTTPResponse(response.statusCode());
        response.headers().map().forEach((name, values) -> answer.setHeader(name, values.toArray(new String[0])));
        answer.setBody(response.body());
        return answer;
    }
}
