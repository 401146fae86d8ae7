package io.github.tokenrefresh4j.spring;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefresher;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP API on the JDK's HttpServer (127.0.0.1, ephemeral port) that accepts only the token it issued last,
 * answers anything else with {@code 401 Bearer error="invalid_token"} and a body, and counts what it saw.
 */
final class ProtectedApi implements AutoCloseable {

    static final String REJECTION_BODY = "{\"error\":\"invalid_token\"}";

    final AtomicInteger issued = new AtomicInteger();
    final AtomicInteger rejections = new AtomicInteger();
    final Map<String, AtomicInteger> requestsByAuthorization = new ConcurrentHashMap<>();
    private final HttpServer server;
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private volatile String validToken = "none yet";
    private volatile CountDownLatch rejectedTogether = new CountDownLatch(0);

    ProtectedApi() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(handlers);
        server.createContext("/orders", this::orders);
        server.start();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** Issues token-1, token-2, ...; each replaces the previous one at the API. */
    TokenRefresher refresher() {
        return current -> {
            AccessToken token = AccessToken.of("token-" + issued.incrementAndGet());
            validToken = token.value();
            return token;
        };
    }

    /**
     * The API stops accepting the current token, and holds its first {@code requests} 401s until that many requests
     * have arrived, so that they are all rejected together.
     */
    void revokeAndRejectTogether(int requests) {
        rejectedTogether = new CountDownLatch(requests);
        validToken = "revoked";
    }

    int requestsWith(String authorization) {
        AtomicInteger count = requestsByAuthorization.get(authorization);
        return count == null ? 0 : count.get();
    }

    private void orders(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            requestsByAuthorization.computeIfAbsent(String.valueOf(authorization), a -> new AtomicInteger())
                .incrementAndGet();
            if (("Bearer " + validToken).equals(authorization) || "Basic b3JkZXJzOnNlY3JldA==".equals(authorization)) {
                respond(exchange, 200, "[]");
            } else {
                exchange.getResponseHeaders().add("WWW-Authenticate",
                    "Bearer realm=\"orders\", error=\"invalid_token\", error_description=\"revoked\"");
                rejections.incrementAndGet();
                CountDownLatch together = rejectedTogether;
                together.countDown();
                try {
                    together.await(30, TimeUnit.SECONDS); // hang guard; the storm test checks the count
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                respond(exchange, 401, REJECTION_BODY);
            }
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        CountDownLatch held = rejectedTogether;
        while (held.getCount() > 0) {
            held.countDown();
        }
        server.stop(0);
        handlers.shutdownNow();
    }
}
