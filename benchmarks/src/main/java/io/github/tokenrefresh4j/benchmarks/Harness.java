package io.github.tokenrefresh4j.benchmarks;

import com.google.api.client.http.GenericUrl;
import com.google.api.client.http.HttpRequest;
import com.google.api.client.http.HttpRequestFactory;
import com.google.api.client.http.LowLevelHttpRequest;
import com.google.api.client.http.LowLevelHttpResponse;
import com.google.api.client.testing.http.MockHttpTransport;
import com.google.api.client.testing.http.MockLowLevelHttpRequest;
import com.google.api.client.testing.http.MockLowLevelHttpResponse;
import com.google.auth.http.HttpCredentialsAdapter;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import software.amazon.awssdk.utils.cache.CachedSupplier;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The scenarios JMH's model does not fit: hundreds of threads meeting one expired token, rejections spread over
 * time, and 100,000 asynchronous waiters. Each scenario builds fresh instances per repetition. The subjects of a
 * scenario run in one JVM, so they are treated alike: each is warmed up (its valid-token path called
 * {@value #WARMUP_CALLS} times, then untimed repetitions of the scenario itself), and the measured repetitions
 * interleave the subjects, rotating which goes first, so that a burst of load on a shared machine, or the JIT
 * compiling something late, falls on all of them.
 */
final class Harness {

    static final Duration STORM_REFRESH = Duration.ofMillis(20);
    static final Duration STAGGER_REFRESH = Duration.ofMillis(10);
    /** Two spreads, so that the rule shows: a client that refreshes per 401 refreshes about spread ÷ refresh time. */
    static final List<Duration> STAGGER_SPREADS = List.of(Duration.ofMillis(100), Duration.ofMillis(200));
    /** Calls on each subject's valid-token path before any timed repetition, so that it is JIT-compiled. */
    static final int WARMUP_CALLS = 20_000;
    static final int STAGGER_CALLS = 200;
    static final int ASYNC_CALLS = 100_000;
    /** The first token's lifetime in a storm: short, so that the storm meets it expired soon after. */
    private static final Duration SHORT_LIFETIME = Duration.ofMillis(50);
    private static final long CALL_TIMEOUT_SECONDS = 60;

    private Harness() {
    }

    // ---------------------------------------------------------------------------------------------------------
    // Storm

    /** One library in a storm: builds a fresh instance whose token is already expired, and returns its call. */
    enum StormSubject {
        OURS("tokenrefresh4j decorateFunction") {
            @Override
            Supplier<String> expiredCall(Subjects.Source source) {
                TokenRefreshDecorator decorator = TokenRefreshDecorator.of("storm", TokenRefreshConfig.ofDefaults(),
                    Subjects.ours(source));
                Supplier<String> call = TokenRefreshDecorator.decorateFunction(decorator, AccessToken::value);
                call.get();
                waitUntilPast(decorator.currentToken().expiresAt().orElseThrow());
                return call;
            }
        },
        AWS("AWS CachedSupplier.get") {
            @Override
            Supplier<String> expiredCall(Subjects.Source source) {
                CachedSupplier<AccessToken> cache = Subjects.aws(source);
                waitUntilPast(cache.get().expiresAt().orElseThrow());
                return () -> cache.get().value();
            }
        },
        GOOGLE("Google OAuth2Credentials.getRequestMetadata") {
            @Override
            Supplier<String> expiredCall(Subjects.Source source) {
                Subjects.GoogleCredentials credentials = Subjects.google(source, Instant.now().minusSeconds(1));
                return () -> googleAuthorization(credentials);
            }
        };

        final String label;

        StormSubject(String label) {
            this.label = label;
        }

        abstract Supplier<String> expiredCall(Subjects.Source source);

        /** Calls the subject's valid-token path {@link #WARMUP_CALLS} times. */
        void warmUp() {
            Subjects.Source source = new Subjects.Source(Duration.ZERO, Subjects.ONE_HOUR);
            Supplier<String> call;
            if (this == GOOGLE) {
                Subjects.GoogleCredentials credentials = Subjects.google(source, Instant.now().plus(Subjects.ONE_HOUR));
                call = () -> googleAuthorization(credentials);
            } else if (this == AWS) {
                CachedSupplier<AccessToken> cache = Subjects.aws(source);
                call = () -> cache.get().value();
            } else {
                TokenRefreshDecorator decorator = TokenRefreshDecorator.of("warm-up", TokenRefreshConfig.ofDefaults(),
                    Subjects.ours(source));
                call = TokenRefreshDecorator.decorateFunction(decorator, AccessToken::value);
            }
            for (int i = 0; i < WARMUP_CALLS; i++) {
                BLACKHOLE.accumulateAndGet(call.get().length(), Integer::sum);
            }
        }
    }

    /** Keeps warm-up results alive, so that the JIT cannot drop the calls. */
    private static final AtomicInteger BLACKHOLE = new AtomicInteger();

    private static String googleAuthorization(Subjects.GoogleCredentials credentials) {
        try {
            return credentials.getRequestMetadata().get("Authorization").get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One subject's storms at one thread count. Latencies are in milliseconds, pooled over all measured
     * repetitions ({@code repetitions × threads} calls), so that p99 is a percentile and not one repetition's
     * maximum. {@code fromGate} is a caller's return minus the instant the gate opened: what the caller feels,
     * including any hand-off of the refresh to another thread. {@code beyond} is a caller's return minus the end of
     * the refresh: what the library adds after the token source answered. The spread is the median, lowest and
     * highest of the per-repetition p99 from the gate.
     */
    record StormResult(StormSubject subject, int threads, int repetitions, double refreshesMedian, int refreshesMin,
                       int refreshesMax, Percentiles fromGate, Percentiles beyond, double repetitionP99Median,
                       double repetitionP99Min, double repetitionP99Max) {
    }

    /** p50, p99 and max of a pooled sample, in milliseconds. */
    record Percentiles(double p50, double p99, double max) {

        static Percentiles of(double[] sorted) {
            return new Percentiles(sorted[percentileIndex(sorted.length, 0.50)],
                sorted[percentileIndex(sorted.length, 0.99)], sorted[sorted.length - 1]);
        }
    }

    /**
     * Runs every subject's storms at {@code threads}: warm-up (valid path, then {@code warmups} untimed storms per
     * subject, interleaved), then {@code repetitions} measured storms per subject, interleaved with a rotating
     * first subject.
     */
    static List<StormResult> storms(int threads, int warmups, int repetitions) throws InterruptedException {
        StormSubject[] subjects = StormSubject.values();
        for (StormSubject subject : subjects) {
            subject.warmUp();
        }
        for (int r = 0; r < warmups; r++) {
            for (StormSubject subject : rotated(subjects, r)) {
                stormOnce(subject, threads);
            }
        }
        Map<StormSubject, List<StormRun>> runs = new EnumMap<>(StormSubject.class);
        for (int r = 0; r < repetitions; r++) {
            for (StormSubject subject : rotated(subjects, r)) {
                runs.computeIfAbsent(subject, s -> new ArrayList<>()).add(stormOnce(subject, threads));
            }
        }
        List<StormResult> results = new ArrayList<>();
        for (StormSubject subject : subjects) {
            List<StormRun> subjectRuns = runs.get(subject);
            int[] refreshes = subjectRuns.stream().mapToInt(StormRun::refreshes).toArray();
            double[] repetitionP99 = subjectRuns.stream()
                .mapToDouble(run -> run.fromGateMillis[percentileIndex(threads, 0.99)]).toArray();
            results.add(new StormResult(subject, threads, repetitions, median(toDoubles(refreshes)),
                Arrays.stream(refreshes).min().orElseThrow(), Arrays.stream(refreshes).max().orElseThrow(),
                Percentiles.of(pooled(subjectRuns, StormRun::fromGateMillis)),
                Percentiles.of(pooled(subjectRuns, StormRun::beyondMillis)), median(repetitionP99),
                Arrays.stream(repetitionP99).min().orElseThrow(), Arrays.stream(repetitionP99).max().orElseThrow()));
        }
        return results;
    }

    /** The subjects with the {@code r}-th one first, so that no subject always runs first or last. */
    static <T> List<T> rotated(T[] subjects, int r) {
        List<T> order = new ArrayList<>(Arrays.asList(subjects));
        Collections.rotate(order, -(r % subjects.length));
        return order;
    }

    private static double[] pooled(List<StormRun> runs, Function<StormRun, double[]> sample) {
        double[] all = runs.stream().flatMapToDouble(run -> Arrays.stream(sample.apply(run))).toArray();
        Arrays.sort(all);
        return all;
    }

    private record StormRun(int refreshes, double[] fromGateMillis, double[] beyondMillis) {
    }

    /**
     * N threads park on one gate; the gate opens; each calls once and notes when its call returned. Both samples
     * come back sorted.
     */
    private static StormRun stormOnce(StormSubject subject, int threads) throws InterruptedException {
        Subjects.Source source = new Subjects.Source(STORM_REFRESH, SHORT_LIFETIME);
        Supplier<String> call = subject.expiredCall(source);
        long[] returned = new long[threads];
        long gateOpened = runTogether(threads, i -> {
            call.get();
            returned[i] = System.nanoTime();
        });
        long refreshEnd = source.firstRefreshEndNanos();
        double[] fromGate = new double[threads];
        double[] beyond = new double[threads];
        for (int i = 0; i < threads; i++) {
            fromGate[i] = (returned[i] - gateOpened) / 1e6;
            beyond[i] = (returned[i] - refreshEnd) / 1e6;
        }
        Arrays.sort(fromGate);
        Arrays.sort(beyond);
        return new StormRun(source.refreshes(), fromGate, beyond);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Stagger

    enum StaggerSubject {
        OURS("tokenrefresh4j (stale rejection retries with the current token)"),
        GOOGLE("Google HttpCredentialsAdapter (refresh() on 401, then retry)");

        final String label;

        StaggerSubject(String label) {
            this.label = label;
        }
    }

    record StaggerResult(StaggerSubject subject, Duration spread, int repetitions, double refreshesMedian,
                         int refreshesMin, int refreshesMax) {
    }

    /** Every subject at {@code spread}: warm-up repetitions, then measured ones, interleaved. */
    static List<StaggerResult> staggers(Duration spread, int warmups, int repetitions) throws InterruptedException {
        StaggerSubject[] subjects = StaggerSubject.values();
        for (int r = 0; r < warmups; r++) {
            for (StaggerSubject subject : rotated(subjects, r)) {
                staggerOnce(subject, spread);
            }
        }
        Map<StaggerSubject, int[]> refreshes = new EnumMap<>(StaggerSubject.class);
        for (int r = 0; r < repetitions; r++) {
            for (StaggerSubject subject : rotated(subjects, r)) {
                refreshes.computeIfAbsent(subject, s -> new int[repetitions])[r] = staggerOnce(subject, spread);
            }
        }
        List<StaggerResult> results = new ArrayList<>();
        for (StaggerSubject subject : subjects) {
            int[] counts = refreshes.get(subject);
            results.add(new StaggerResult(subject, spread, repetitions, median(toDoubles(counts)),
                Arrays.stream(counts).min().orElseThrow(), Arrays.stream(counts).max().orElseThrow()));
        }
        return results;
    }

    /**
     * A server that answers 401 to the first token and 200 to any other. All calls are sent with the first token
     * (a barrier holds them until every one has it); call i then gets its 401 at i/N of the spread.
     */
    static final class StaggerServer {
        private final String staleValue;
        private final long spreadNanos;
        private final boolean[] answered = new boolean[STAGGER_CALLS];
        private final CyclicBarrier allSent;
        private volatile long sentNanos;

        StaggerServer(String staleValue, Duration spread) {
            this.staleValue = staleValue;
            this.spreadNanos = spread.toNanos();
            this.allSent = new CyclicBarrier(STAGGER_CALLS, () -> sentNanos = System.nanoTime());
        }

        int respond(int call, String presented) {
            if (!presented.equals(staleValue)) {
                return 200;
            }
            if (!answered[call]) { // only call's own thread touches its slot
                answered[call] = true;
                try {
                    allSent.await(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException | BrokenBarrierException | java.util.concurrent.TimeoutException e) {
                    throw new IllegalStateException("stagger barrier broken", e);
                }
                long at = sentNanos + spreadNanos * call / STAGGER_CALLS;
                Subjects.parkFor(at - System.nanoTime());
            }
            return 401;
        }
    }

    /** @return the number of refreshes the burst caused */
    private static int staggerOnce(StaggerSubject subject, Duration spread) throws InterruptedException {
        Subjects.Source source = new Subjects.Source(STAGGER_REFRESH, Subjects.ONE_HOUR);
        int[] status = new int[STAGGER_CALLS];
        IntFunction<Integer> call;
        if (subject == StaggerSubject.OURS) {
            TokenRefreshDecorator decorator = TokenRefreshDecorator.of("stagger", TokenRefreshConfig.custom()
                .refreshOnResult(result -> Integer.valueOf(401).equals(result))
                .build(), Subjects.ours(source));
            String first = decorator.executeFunction(AccessToken::value);
            StaggerServer server = new StaggerServer(first, spread);
            call = i -> decorator.executeFunction(token -> server.respond(i, token.value()));
        } else {
            Subjects.GoogleCredentials credentials = Subjects.google(source, Instant.now().plus(Subjects.ONE_HOUR));
            StaggerServer server = new StaggerServer("google-0", spread);
            HttpRequestFactory requests = serverTransport(server)
                .createRequestFactory(new HttpCredentialsAdapter(credentials));
            call = i -> {
                try {
                    HttpRequest request = requests.buildGetRequest(new GenericUrl("http://127.0.0.1/orders?call=" + i));
                    request.setThrowExceptionOnExecuteError(false);
                    return request.execute().getStatusCode();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
        }
        runTogether(STAGGER_CALLS, i -> status[i] = call.apply(i));
        for (int i = 0; i < STAGGER_CALLS; i++) {
            if (status[i] != 200) {
                throw new IllegalStateException(subject + ": call " + i + " ended with status " + status[i]);
            }
        }
        return source.refreshes();
    }

    /** google-http-client's in-memory transport, answering from the {@link StaggerServer}: no socket is opened. */
    private static MockHttpTransport serverTransport(StaggerServer server) {
        return new MockHttpTransport() {
            @Override
            public LowLevelHttpRequest buildRequest(String method, String url) {
                int call = Integer.parseInt(url.substring(url.indexOf("call=") + 5));
                return new MockLowLevelHttpRequest(url) {
                    @Override
                    public LowLevelHttpResponse execute() {
                        String bearer = getFirstHeaderValue("Authorization").substring("Bearer ".length());
                        return new MockLowLevelHttpResponse().setStatusCode(server.respond(call, bearer));
                    }
                };
            }
        };
    }

    // ---------------------------------------------------------------------------------------------------------
    // Async waiters

    /**
     * Medians over repetitions. {@code retainedBytesPerWaiter} is the live heap after a full GC with all calls
     * waiting, minus the live heap before them, per call; it includes the stage each caller holds.
     * {@code allocatedBytesPerCall} counts everything the calling thread allocated while issuing them.
     */
    record AsyncResult(int calls, int repetitions, double retainedBytesPerWaiter, double allocatedBytesPerCall,
                       double threadsAdded, int waitingCalls, double releaseMillis) {
    }

    static AsyncResult asyncWaiters(int warmups, int repetitions) {
        for (int r = 0; r < warmups; r++) {
            asyncOnce();
        }
        double[] retained = new double[repetitions];
        double[] allocated = new double[repetitions];
        double[] threads = new double[repetitions];
        double[] release = new double[repetitions];
        int waiting = Integer.MAX_VALUE;
        for (int r = 0; r < repetitions; r++) {
            AsyncRun run = asyncOnce();
            retained[r] = run.retainedBytes / (double) ASYNC_CALLS;
            allocated[r] = run.allocatedBytes / (double) ASYNC_CALLS;
            threads[r] = run.threadsAdded;
            release[r] = run.releaseNanos / 1e6;
            waiting = Math.min(waiting, run.waitingCalls);
        }
        return new AsyncResult(ASYNC_CALLS, repetitions, median(retained), median(allocated), median(threads),
            waiting, median(release));
    }

    private record AsyncRun(long retainedBytes, long allocatedBytes, int threadsAdded, int waitingCalls,
                            long releaseNanos) {
    }

    private static AsyncRun asyncOnce() {
        CountDownLatch release = new CountDownLatch(1);
        TokenRefreshDecorator decorator = TokenRefreshDecorator.of("async", TokenRefreshConfig.ofDefaults(),
            current -> {
                release.await();
                return AccessToken.of("async", Instant.now().plus(Subjects.ONE_HOUR));
            });
        Function<AccessToken, CompletionStage<String>> call = token -> CompletableFuture.completedFuture(token.value());
        CompletionStage<?>[] stages = new CompletionStage<?>[ASYNC_CALLS];
        com.sun.management.ThreadMXBean threadBean =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();

        long heapBefore = liveHeapBytes();
        int threadsBefore = threadBean.getThreadCount();
        long allocatedBefore = threadBean.getThreadAllocatedBytes(self);
        for (int i = 0; i < ASYNC_CALLS; i++) {
            stages[i] = decorator.executeCompletionStage(call);
        }
        long allocated = threadBean.getThreadAllocatedBytes(self) - allocatedBefore;
        long retained = liveHeapBytes() - heapBefore;
        int threadsAdded = threadBean.getThreadCount() - threadsBefore;
        int waiting = decorator.getMetrics().getNumberOfWaitingCalls();

        long start = System.nanoTime();
        release.countDown();
        for (CompletionStage<?> stage : stages) {
            stage.toCompletableFuture().join();
        }
        long releaseNanos = System.nanoTime() - start;
        return new AsyncRun(retained, allocated, threadsAdded, waiting, releaseNanos);
    }

    private static long liveHeapBytes() {
        for (int i = 0; i < 2; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    // ---------------------------------------------------------------------------------------------------------

    interface IndexedTask {
        void run(int index) throws Exception;
    }

    /**
     * Starts one thread per index, opens one gate for all, and waits for every one to finish.
     *
     * @return {@link System#nanoTime()} just before the gate opened
     */
    private static long runTogether(int threads, IndexedTask task) throws InterruptedException {
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(threads);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> started = new ArrayList<>(threads);
        for (int t = 0; t < threads; t++) {
            int index = t;
            Thread thread = new Thread(() -> {
                try {
                    ready.countDown();
                    gate.await();
                    task.run(index);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    finished.countDown();
                }
            }, "harness-" + t);
            thread.setDaemon(true);
            thread.start();
            started.add(thread);
        }
        ready.await();
        long gateOpened = System.nanoTime();
        gate.countDown();
        if (!finished.await(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            started.forEach(Thread::interrupt);
            throw new IllegalStateException("calls did not finish within " + CALL_TIMEOUT_SECONDS + "s");
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a call failed", failure.get());
        }
        return gateOpened;
    }

    private static void waitUntilPast(Instant instant) {
        while (!Instant.now().isAfter(instant)) {
            Subjects.parkFor(Duration.between(Instant.now(), instant).toNanos() + 1_000_000);
        }
    }

    static int percentileIndex(int size, double fraction) {
        return Math.max(0, (int) Math.ceil(fraction * size) - 1);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double[] toDoubles(int[] values) {
        return Arrays.stream(values).asDoubleStream().toArray();
    }
}
