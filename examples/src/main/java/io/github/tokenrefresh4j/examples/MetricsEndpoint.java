package io.github.tokenrefresh4j.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** Serves a {@link PrometheusMeterRegistry} at {@code http://127.0.0.1:<port>/metrics}. */
final class MetricsEndpoint implements AutoCloseable {

    private final HttpServer server;
    private final PrometheusMeterRegistry registry;

    /** @param port the port, 0 for an ephemeral one */
    MetricsEndpoint(int port, PrometheusMeterRegistry registry) throws IOException {
        this.registry = registry;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/metrics", this::handle);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + port() + "/metrics");
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } finally {
            exchange.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
