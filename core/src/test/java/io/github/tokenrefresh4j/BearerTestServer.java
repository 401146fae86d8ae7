package io.github.tokenrefresh4j;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A real HTTP server on loopback for the HTTP adapters' tests (the JDK's own): it answers 200 to the tokens its
 * {@link Answer} accepts and {@code 401} with {@code WWW-Authenticate: Bearer error="invalid_token"} to the others,
 * and records the {@code Authorization} header of every request in arrival order. Shared through the core's
 * test-jar.
 */
public final class BearerTestServer implements AutoCloseable {

    /** Decides a request; it may block (on a latch the test opens) to hold its answer back. */
    @FunctionalInterface
    public interface Answer {
        /**
         * @param path          the request's path
         * @param authorization its {@code Authorization} header, or null
         * @return true to answer 200, false to answer 401 invalid_token
         */
        boolean accepts(String path, String authorization) throws InterruptedException;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final ConcurrentLinkedQueue<String> authorizations = new ConcurrentLinkedQueue<>();

    private BearerTestServer(Answer answer) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", exchange -> answer(exchange, answer));
        server.start();
    }

    /** Starts a server on a free loopback port. */
    public static BearerTestServer start(Answer answer) throws IOException {
        return new BearerTestServer(answer);
    }

    /** A server that accepts exactly this {@code Authorization} value, such as {@code "Bearer t2"}. */
    public static BearerTestServer accepting(String authorization) throws IOException {
        return start((path, presented) -> authorization.equals(presented));
    }

    public URI uri(String path) {
        return URI.create("http://" + server.getAddress().getAddress().getHostAddress() + ':'
            + server.getAddress().getPort() + path);
    }

    /** The {@code Authorization} header of each request so far, in arrival order ("none" when absent). */
    public List<String> authorizations() {
        return new ArrayList<>(authorizations);
    }

    /** How many requests presented this {@code Authorization} value. */
    public long requestsWith(String authorization) {
        return authorizations.stream().filter(authorization::equals).count();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void answer(HttpExchange exchange, Answer answer) throws IOException {
        try (InputStream body = exchange.getRequestBody()) {
            body.readAllBytes();
        }
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        authorizations.add(authorization == null ? "none" : authorization);
        boolean accepted;
        try {
            accepted = answer.accepts(exchange.getRequestURI().getPath(), authorization);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
            return;
        }
        byte[] body = (accepted ? "ok " + exchange.getRequestURI().getPath() : "invalid token")
            .getBytes(StandardCharsets.UTF_8);
        if (!accepted) {
            exchange.getResponseHeaders().add("WWW-Authenticate",
                "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"expired\"");
        }
        exchange.sendResponseHeaders(accepted ? 200 : 401, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
