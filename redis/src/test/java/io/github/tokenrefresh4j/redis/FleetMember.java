package io.github.tokenrefresh4j.redis;

import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The main class of a child JVM in {@link RedisTokenRefresherFleetTest}: one instance of a fleet.
 *
 * <p>{@code storm <redisUri> <key> <tokenServer> <lockTimeoutMs>}: prints {@code ready}, waits for {@code go} on
 * stdin, then calls the API from two threads through a decorator until {@code stop} (or end of input), and prints
 * {@code result calls=N failures=M}.
 *
 * <p>{@code hold <redisUri> <key> <tokenServer> <lockTimeoutMs>}: refreshes once, taking the fleet's lock; the test
 * makes that refresh hang and kills this JVM.
 */
public final class FleetMember {

    /** A child never outlives this, even if its parent forgets it. */
    private static final long MAX_RUN_SECONDS = 90;

    private FleetMember() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        URI tokenServer = URI.create(args[3]);
        HttpTokenClient client = new HttpTokenClient(tokenServer);
        try (RedisTokenRefresher fleet = RedisTokenRefresher.builder(args[1], args[2], client)
            .lockTimeout(Duration.ofMillis(Long.parseLong(args[4])))
            .waitTimeout(Duration.ofSeconds(5))
            .minTimeToLive(Duration.ofMillis(50))
            .build()) {
            if ("hold".equals(mode)) {
                System.out.println("refreshing");
                fleet.refresh(null);
                System.out.println("refreshed");
                return;
            }
            storm(fleet, client);
        }
    }

    private static void storm(RedisTokenRefresher fleet, HttpTokenClient client) throws Exception {
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("fleet-member", TokenRefreshConfig.custom()
            .refreshAhead(Duration.ZERO)
            .refreshOnResult(status -> (Integer) status == 401)
            .build(), fleet);
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.out.println("ready");
        if (!"go".equals(stdin.readLine())) {
            return;
        }
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong calls = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        CountDownLatch done = new CountDownLatch(2);
        List<Thread> threads = new ArrayList<>();
        long stopAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(MAX_RUN_SECONDS);
        for (int i = 0; i < 2; i++) {
            Thread t = new Thread(() -> {
                try {
                    while (running.get() && System.nanoTime() < stopAt) {
                        calls.incrementAndGet();
                        try {
                            int status = tokens.executeCheckedFunction(client::callApi);
                            if (status != 200) {
                                failures.incrementAndGet();
                            }
                        } catch (Throwable e) {
                            failures.incrementAndGet();
                            System.err.println("call failed: " + e);
                        }
                    }
                } finally {
                    done.countDown();
                }
            });
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        stdin.readLine(); // "stop", or null when the parent is gone
        running.set(false);
        done.await(30, TimeUnit.SECONDS);
        System.out.println("result calls=" + calls.get() + " failures=" + failures.get());
    }
}
