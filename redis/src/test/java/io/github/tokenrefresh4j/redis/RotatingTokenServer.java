package io.github.tokenrefresh4j.redis;

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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fake authorization server with rotating refresh tokens, as OAuth 2.0 security best practice describes: every
 * refresh returns a new refresh token, and presenting a used one revokes the whole token family. The first grant
 * (no refresh token) may happen once; a second one counts as reuse too.
 *
 * <p>Usable in-process ({@link #grant(String)}, {@link #accepts(String)}) or over HTTP on 127.0.0.1:
 * {@code POST /token} with the refresh token as body answers {@code access\nrefresh\nexpiresAtEpochMillis};
 * {@code GET /api} with {@code Authorization: Bearer} answers 200 or 401.
 */
final class RotatingTokenServer implements AutoCloseable {

    private final Duration lifetime;
    private final Duration earlyMargin;
    private final Clock clock = Clock.systemUTC();
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Instant> accessTokens = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> presented = new CopyOnWriteArrayList<>();
    private final AtomicInteger earlyRefreshes = new AtomicInteger();
    private final AtomicReference<CountDownLatch[]> hangNext = new AtomicReference<>();
    private volatile boolean revoked;
    private boolean granted;
    private String currentRefreshToken;
    private Instant currentExpiresAt;
    private int issued;
    private HttpServer http;
    private ExecutorService httpThreads;

    /**
     * @param lifetime    how long each access token lives
     * @param earlyMargin a refresh that arrives while the current token has more than this left counts as early
     */
    RotatingTokenServer(Duration lifetime, Duration earlyMargin) {
        this.lifetime = lifetime;
        this.earlyMargin = earlyMargin;
    }

    /** The token endpoint as a refresher: presents {@code current}'s refresh token, or asks for a first grant. */
    TokenRefresher refresher() {
        return current -> grant(current == null ? null : current.refreshToken().orElseThrow());
    }

    /** @return the refresh tokens presented so far, in order; "" for a first grant */
    List<String> presented() {
        return List.copyOf(presented);
    }

    /** The token endpoint: a grant (null) or a refresh. */
    AccessToken grant(String presentedRefreshToken) throws IOException {
        presented.add(presentedRefreshToken == null ? "" : presentedRefreshToken);
        requests.incrementAndGet();
        lock.lock();
        try {
            if (revoked) {
                throw new IOException("invalid_grant: the token family was revoked");
            }
            boolean fresh = presentedRefreshToken == null && !granted;
            boolean rotation = presentedRefreshToken != null && presentedRefreshToken.equals(currentRefreshToken);
            if (!fresh && !rotation) {
                revoked = true;
                accessTokens.clear();
                throw new IOException("invalid_grant: refresh token reused; the token family is revoked");
            }
            Instant now = clock.instant();
            if (rotation && Duration.between(now, currentExpiresAt).compareTo(earlyMargin) > 0) {
                earlyRefreshes.incrementAndGet();
            }
            granted = true;
            issued++;
            String value = "at-" + issued + '-' + UUID.randomUUID();
            currentRefreshToken = "rt-" + issued + '-' + UUID.randomUUID();
            currentExpiresAt = now.plus(lifetime);
            accessTokens.put(value, currentExpiresAt);
            return AccessToken.of(value, currentExpiresAt).withRefreshToken(currentRefreshToken);
        } finally {
            lock.unlock();
        }
    }

    /** The protected API's check. */
    boolean accepts(String accessToken) {
        Instant expiresAt = accessTokens.get(accessToken);
        return !revoked && expiresAt != null && clock.instant().isBefore(expiresAt);
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

    int earlyRefreshes() {
        return earlyRefreshes.get();
    }

    boolean revoked() {
        return revoked;
    }

    /**
     * The next {@code POST /token} blocks until {@code release} opens, then fails with 503 without rotating, as a
     * request whose client died would.
     *
     * @param arrived counted down when that request arrives
     * @param release opened by the test
     */
    void hangNextRequest(CountDownLatch arrived, CountDownLatch release) {
        hangNext.set(new CountDownLatch[] {arrived, release});
    }

    /** Serves the endpoints over HTTP on 127.0.0.1 and returns the base URI. */
    URI startHttp() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        httpThreads = Executors.newCachedThreadPool();
        http.setExecutor(httpThreads);
        http.createContext("/token", this::token);
        http.createContext("/api", this::api);
        http.start();
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    }

    private void token(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            CountDownLatch[] hang = hangNext.getAndSet(null);
            if (hang != null) {
                hang[0].countDown();
                try {
                    hang[1].await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                respond(exchange, 503, "unavailable");
                return;
            }
            AccessToken token;
            try {
                token = grant(body.isEmpty() ? null : body);
            } catch (IOException e) {
                respond(exchange, 400, "invalid_grant");
                return;
            }
            respond(exchange, 200, token.value() + '\n' + token.refreshToken().orElseThrow() + '\n'
                + token.expiresAt().orElseThrow().toEpochMilli());
        }
    }

    private void api(HttpExchange exchange) throws IOException {
        try (exchange) {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            boolean ok = authorization != null && authorization.startsWith("Bearer ")
                && accepts(authorization.substring("Bearer ".length()));
            respond(exchange, ok ? 200 : 401, ok ? "ok" : "unauthorized");
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        } catch (IOException ignored) {
            // the client is gone, e.g. a killed child JVM
        }
    }

    @Override
    public void close() {
        CountDownLatch[] hang = hangNext.getAndSet(null);
        if (hang != null) {
            hang[1].countDown();
        }
        if (http != null) {
            http.stop(0);
            httpThreads.shutdownNow();
        }
    }
}
