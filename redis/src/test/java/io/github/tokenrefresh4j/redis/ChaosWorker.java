package io.github.tokenrefresh4j.redis;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefresher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One instance of the fleet in a JVM of its own: a simple rotating-token refresher under a
 * {@link RedisTokenRefresher} (defaults, but for {@code minTimeToLive}) under a {@link TokenRefreshDecorator}, and two
 * threads calling the API until {@code stop} on stdin (or the parent is gone). Prints {@code ready}, then
 * {@code progress ok=N failed=M} every 200ms; the refresher's warnings go to stderr, merged by the parent.
 *
 * <p>Arguments: {@code <worker id> <redis uri> <key> <token server> <clock offset ms> <refreshAhead ms>}.
 */
public final class ChaosWorker {

    /** A worker never outlives this, even if its parent forgets it. */
    private static final long MAX_RUN_MILLIS = 120_000;
    /** The first failed calls are printed, for the scenario's report; the rest are counted. */
    private static final int MAX_FAILURES_SHOWN = 5;

    private ChaosWorker() {
    }

    public static void main(String[] args) throws Exception {
        Logger.getLogger("io.lettuce").setLevel(Level.SEVERE);
        Logger.getLogger("io.netty").setLevel(Level.SEVERE);
        String id = args[0];
        URI server = URI.create(args[3]);
        Clock clock = Clock.offset(Clock.systemUTC(), Duration.ofMillis(Long.parseLong(args[4])));
        Duration refreshAhead = Duration.ofMillis(Long.parseLong(args[5]));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        TokenRefresher endpoint = current -> {
            String refreshToken = current == null ? "" : current.refreshToken().orElse("");
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(server.resolve("/token"))
                    .timeout(Duration.ofSeconds(30)).header("X-Worker", id)
                    .POST(HttpRequest.BodyPublishers.ofString(refreshToken)).build(),
                HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("token endpoint answered " + response.statusCode() + " " + response.body());
            }
            String[] lines = response.body().split("\n");
            return AccessToken.of(lines[0], clock.instant().plusMillis(Long.parseLong(lines[2])))
                .withRefreshToken(lines[1]);
        };
        try (RedisTokenRefresher fleet = RedisTokenRefresher.builder(args[1], args[2], endpoint)
            .minTimeToLive(Duration.ofMillis(300))
            .clock(clock)
            .build()) {
            TokenRefreshDecorator tokens = TokenRefreshDecorator.of("chaos-" + id, TokenRefreshConfig.custom()
                .refreshAhead(refreshAhead)
                .clock(clock)
                .refreshOnResult(status -> (Integer) status == 401)
                .build(), fleet);
            run(tokens, http, server);
        }
    }

    private static void run(TokenRefreshDecorator tokens, HttpClient http, URI server) throws Exception {
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long stopAt = System.nanoTime() + MAX_RUN_MILLIS * 1_000_000;
        for (int i = 0; i < 2; i++) {
            Thread caller = new Thread(() -> {
                while (running.get() && System.nanoTime() < stopAt) {
                    try {
                        int status = tokens.executeCheckedFunction(token -> http.send(HttpRequest.newBuilder(
                                server.resolve("/api")).timeout(Duration.ofSeconds(10))
                                .header("Authorization", "Bearer " + token.value()).GET().build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode());
                        if (status == 200) {
                            ok.incrementAndGet();
                        } else if (failed.incrementAndGet() <= MAX_FAILURES_SHOWN) {
                            System.out.println("failure: the API answered " + status);
                        }
                    } catch (Throwable e) {
                        if (failed.incrementAndGet() <= MAX_FAILURES_SHOWN) {
                            System.out.println("failure: " + e);
                        }
                        pause(20);
                    }
                }
            }, "caller-" + i);
            caller.setDaemon(true);
            caller.start();
        }
        Thread progress = new Thread(() -> {
            while (running.get()) {
                System.out.println("progress ok=" + ok.get() + " failed=" + failed.get());
                pause(200);
            }
        }, "progress");
        progress.setDaemon(true);
        progress.start();
        System.out.println("ready");
        stdin.readLine(); // "stop", or null when the parent is gone
        running.set(false);
        System.out.println("result ok=" + ok.get() + " failed=" + failed.get());
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // pacing of a worker's loop, not synchronization
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
