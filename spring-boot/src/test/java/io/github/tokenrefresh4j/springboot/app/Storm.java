package io.github.tokenrefresh4j.springboot.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One storm: {@value #CALLERS} concurrent calls released together by a barrier, counting the token requests the
 * authorization server received meanwhile; and the meters of a client registration, read after it.
 */
public final class Storm {

    public static final int CALLERS = 64;

    private Storm() {
    }

    /**
     * What a storm did: the calls answered {@code "pong"}, the calls that failed (by exception type and message) or
     * that had no answer within the bound, how long the storm took, and the token requests it made.
     */
    public record Outcome(int answered, Map<String, Integer> failures, int unanswered, long millis,
                          long tokenRequests) {
        @Override
        public String toString() {
            return CALLERS + " calls in " + millis + " ms: " + answered + " answered, " + failures.values().stream()
                .mapToInt(Integer::intValue).sum() + " failed " + failures + ", " + unanswered + " unanswered; "
                + tokenRequests + " token requests";
        }
    }

    /** @return the token requests of a storm in which every call must be answered {@code "pong"} */
    public static long run(Callable<String> call) throws Exception {
        Outcome outcome = bounded(call, Duration.ofSeconds(120));
        assertThat(outcome.answered()).as(outcome.toString()).isEqualTo(CALLERS);
        return outcome.tokenRequests();
    }

    /**
     * A storm whose calls get {@code bound} in all to answer: what did not answer by then is counted unanswered and
     * its thread interrupted (a call that holds on regardless keeps its thread, not the test).
     */
    public static Outcome bounded(Callable<String> call, Duration bound) throws Exception {
        AuthorizationServer server = AuthorizationServer.get();
        long before = server.tokenRequests();
        CyclicBarrier start = new CyclicBarrier(CALLERS + 1);
        ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
        int answered = 0;
        int unanswered = 0;
        Map<String, Integer> failures = new TreeMap<>();
        long started;
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++) {
                answers.add(callers.submit(() -> {
                    start.await(60, TimeUnit.SECONDS);
                    return call.call();
                }));
            }
            start.await(60, TimeUnit.SECONDS);
            started = System.nanoTime();
            long deadline = started + bound.toNanos();
            for (Future<String> answer : answers) {
                try {
                    String body = answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if ("pong".equals(body)) {
                        answered++;
                    } else {
                        failures.merge("answered " + body, 1, Integer::sum);
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    Throwable cause = e.getCause();
                    failures.merge(cause.getClass().getSimpleName() + ": " + firstLine(cause.getMessage()), 1,
                        Integer::sum);
                } catch (java.util.concurrent.TimeoutException e) {
                    unanswered++;
                }
            }
        } finally {
            callers.shutdownNow();
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        return new Outcome(answered, failures, unanswered, millis, server.tokenRequests() - before);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        String line = message.lines().findFirst().orElse("");
        // the token endpoint's port differs per run: keep failures of one kind together
        return line.replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:<port>");
    }

    /**
     * The meters of one client registration after a storm: the token requests Spring's manager made
     * ({@code tokenrefresh.oauth2client.token.requests}), the calls that shared one
     * ({@code tokenrefresh.oauth2client.coalesced.calls}) and the registration's successful refreshes
     * ({@code tokenrefresh.refreshes}).
     */
    public record Meters(long tokenRequests, long coalescedCalls, long successfulRefreshes) {

        /** The meters of {@code registrationId} in {@code meters}: zero for a meter not registered yet. */
        public static Meters of(MeterRegistry meters, String registrationId) {
            Search tokenRequests = meters.find("tokenrefresh.oauth2client.token.requests").tag("name", registrationId);
            Search coalesced = meters.find("tokenrefresh.oauth2client.coalesced.calls").tag("name", registrationId);
            Search refreshes = meters.find("tokenrefresh.refreshes").tag("name", registrationId)
                .tag("kind", "successful");
            return new Meters(
                tokenRequests.functionTimer() == null ? 0 : (long) tokenRequests.functionTimer().count(),
                coalesced.functionCounter() == null ? 0 : (long) coalesced.functionCounter().count(),
                refreshes.functionCounter() == null ? 0 : (long) refreshes.functionCounter().count());
        }

        /**
         * Waits until the registration's decorator counted {@code refreshes} successful refreshes: it replays
         * Spring's token request as a refresh, counted on its own thread after the storm's calls returned.
         */
        public static Meters awaitRefreshes(MeterRegistry meters, String registrationId, long refreshes) {
            await().atMost(Duration.ofSeconds(30))
                .until(() -> of(meters, registrationId).successfulRefreshes() >= refreshes);
            return of(meters, registrationId);
        }
    }
}
