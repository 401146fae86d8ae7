package io.github.tokenrefresh4j.redis;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The token endpoint of the chaos tests, over HTTP on 127.0.0.1: rotating refresh tokens, reuse detection, family
 * revocation, and an optional reuse grace period (a refresh token replaced less than {@code grace} ago is still
 * accepted once more, as Okta's grace period does). Every request goes into the {@link ChaosTimeline}, with the worker
 * that sent it and the generation of the refresh token it presented, never a token value.
 *
 * <p>{@code POST /token} (body: the refresh token, empty for the first grant; header {@code X-Worker}) answers
 * {@code access\nrefresh\nexpiresInMillis}, or 400 {@code invalid_grant}. {@code GET /api} answers 200 or 401.
 */
final class ChaosTokenServer implements AutoCloseable {

    /** Where a request from the holder is stopped so that the test can kill its worker. */
    enum Hold { BEFORE_ROTATING, AFTER_ROTATING }

    private final Duration lifetime;
    private final Duration grace;
    private final ChaosTimeline timeline;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Long> accessTokens = new ConcurrentHashMap<>();
    /** refresh token -> its generation, for the timeline */
    private final Map<String, Integer> generations = new HashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger reuses = new AtomicInteger();
    private final AtomicInteger graceReuses = new AtomicInteger();
    private final AtomicInteger refusedAfterRevocation = new AtomicInteger();
    private final AtomicReference<Object[]> hold = new AtomicReference<>();
    private volatile boolean revoked;
    private volatile long revokedAtNanos;
    private boolean granted;
    private String current;
    private String previous;
    private long rotatedAtNanos;
    private int issued;
    private HttpServer http;
    private ExecutorService httpThreads;

    ChaosTokenServer(Duration lifetime, Duration grace, ChaosTimeline timeline) {
        this.lifetime = lifetime;
        this.grace = grace;
        this.timeline = timeline;
    }

    URI start() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        httpThreads = Executors.newCachedThreadPool();
        http.setExecutor(httpThreads);
        http.createContext("/token", this::token);
        http.createContext("/api", this::api);
        http.start();
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    }

    /**
     * The next token request is held at {@code where} until {@code release} opens; {@code arrived} receives the
     * worker that sent it. A request held after rotating never gets its answer: the new refresh token is lost.
     */
    void holdNextRequest(Hold where, CountDownLatch release, AtomicReference<String> arrived, CountDownLatch seen) {
        hold.set(new Object[] {where, release, arrived, seen});
    }

    private void token(HttpExchange exchange) throws IOException {
        try (exchange) {
            String worker = String.valueOf(exchange.getRequestHeaders().getFirst("X-Worker"));
            String presented = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Object[] held = hold.getAndSet(null);
            if (held != null && held[0] == Hold.BEFORE_ROTATING) {
                park(held, worker, "held before rotating");
                respond(exchange, 503, "unavailable");
                return;
            }
            String[] answer = grant(worker, presented.isEmpty() ? null : presented);
            if (answer == null) {
                respond(exchange, 400, "invalid_grant");
                return;
            }
            if (held != null) {
                park(held, worker, "held after rotating: the answer never leaves");
                respond(exchange, 503, "unavailable");
                return;
            }
            respond(exchange, 200, answer[0] + '\n' + answer[1] + '\n' + lifetime.toMillis());
        }
    }

    @SuppressWarnings("unchecked")
    private void park(Object[] held, String worker, String what) {
        timeline.add("token request from " + worker + " " + what);
        ((AtomicReference<String>) held[2]).set(worker);
        ((CountDownLatch) held[3]).countDown();
        try {
            ((CountDownLatch) held[1]).await(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return access and refresh token, or null if refused */
    private String[] grant(String worker, String presented) {
        requests.incrementAndGet();
        lock.lock();
        try {
            String which = presented == null ? "no refresh token" : "rt-" + generations.getOrDefault(presented, -1);
            if (revoked) {
                refusedAfterRevocation.incrementAndGet();
                timeline.add("token request from " + worker + " presenting " + which + ": invalid_grant (revoked)");
                return null;
            }
            boolean first = presented == null && !granted;
            boolean rotation = presented != null && presented.equals(current);
            boolean inGrace = presented != null && presented.equals(previous)
                && System.nanoTime() - rotatedAtNanos <= grace.toNanos();
            if (!first && !rotation && !inGrace) {
                reuses.incrementAndGet();
                revoked = true;
                revokedAtNanos = System.nanoTime();
                accessTokens.clear();
                timeline.add("token request from " + worker + " presenting " + which + ": REUSE of a spent refresh "
                    + "token, family revoked");
                return null;
            }
            if (inGrace) {
                graceReuses.incrementAndGet();
            }
            granted = true;
            issued++;
            String access = "at-" + issued + '-' + UUID.randomUUID();
            previous = current;
            current = "rt-" + issued + '-' + UUID.randomUUID();
            generations.put(current, issued);
            rotatedAtNanos = System.nanoTime();
            accessTokens.put(access, System.nanoTime() + lifetime.toNanos());
            timeline.add("token request from " + worker + " presenting " + which + ": issued rt-" + issued
                + (inGrace ? " (reuse inside the grace period)" : ""));
            return new String[] {access, current};
        } finally {
            lock.unlock();
        }
    }

    private void api(HttpExchange exchange) throws IOException {
        try (exchange) {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            Long until = authorization == null ? null : accessTokens.get(authorization.substring("Bearer ".length()));
            boolean ok = !revoked && until != null && System.nanoTime() - until < 0;
            respond(exchange, ok ? 200 : 401, ok ? "ok" : "unauthorized");
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) {
        try {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException ignored) {
            // the worker is gone: killed while its request was here
        }
    }

    int requests() {
        return requests.get();
    }

    int issued() {
        lock.lock();
        try {
            return issued;
        } finally {
            lock.unlock();
        }
    }

    int reuses() {
        return reuses.get();
    }

    int graceReuses() {
        return graceReuses.get();
    }

    int refusedAfterRevocation() {
        return refusedAfterRevocation.get();
    }

    boolean revoked() {
        return revoked;
    }

    long revokedAtNanos() {
        return revokedAtNanos;
    }

    @Override
    public void close() {
        Object[] held = hold.getAndSet(null);
        if (held != null) {
            ((CountDownLatch) held[1]).countDown();
        }
        if (http != null) {
            http.stop(0);
            httpThreads.shutdownNow();
        }
    }
}
