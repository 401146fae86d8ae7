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
import java.util.List;
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
 * time, and 100,000 asynchronous waiters. Each scenario builds fresh instances per repetition, runs one untimed
 * repetition first, and reports the median over the measured ones.
 */
final class Harness {

    static final Duration STORM_REFRESH = Duration.ofMillis(20);
    static final Duration STAGGER_REFRESH = Duration.ofMillis(10);
    static final Duration STAGGER_SPREAD = Duration.ofMillis(100);
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
                return () -> {
                    try {
                        return credentials.getRequestMetadata().get("Authorization").get(0);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                };
            }
        };

        final String label;

        StormSubject(String label) {
            this.label = label;
        }

        abstract Supplier<String> expiredCall(Subjects.Source source);
    }

    /** The medians over repetitions of one storm. Latencies are in milliseconds past the end of the refresh. */
    record StormResult(StormSubject subject, int threads, int repetitions, double refreshesMedian, int refreshesMin,
                       int refreshesMax, double p50Millis, double p99Millis, double maxMillis) {
    }

    static StormResult storm(StormSubject subject, int threads, int repetitions) throws InterruptedException {
        stormOnce(subject, threads); // untimed: class loading and the first compilations
        int[] refreshes = new int[repetitions];
        double[] p50 = new double[repetitions];
        double[] p99 = new double[repetitions];
        double[] max = new double[repetitions];
        for (int r = 0; r < repetitions; r++) {
            StormRun run = stormOnce(subject, threads);
            refreshes[r] = run.refreshes;
            p50[r] = run.beyondMillis[percentileIndex(threads, 0.50)];
            p99[r] = run.beyondMillis[percentileIndex(threads, 0.99)];
            max[r] = run.beyondMillis[threads - 1];
        }
        return new StormResult(subject, threads, repetitions, median(toDoubles(refreshes)),
            Arrays.stream(refreshes).min().orElseThrow(), Arrays.stream(refreshes).max().orElseThrow(),
            median(p50), median(p99), median(max));
    }

    private record StormRun(int refreshes, double[] beyondMillis) {
    }

    /**
     * N threads park on one gate; the gate opens; each calls once and notes when its call returned. A caller's
     * latency beyond the refresh is the time from the end of the (first) refresh to the caller's return.
     */
    private static StormRun stormOnce(StormSubject subject, int threads) throws InterruptedException {
        Subjects.Source source = new Subjects.Source(STORM_REFRESH, SHORT_LIFETIME);
        Supplier<String> call = subject.expiredCall(source);
        long[] returned = new long[threads];
        runTogether(threads, i -> {
            call.get();
            returned[i] = System.nanoTime();
        });
        long refreshEnd = source.firstRefreshEndNanos();
        double[] beyond = new double[threads];
        for (int i = 0; i < threads; i++) {
            beyond[i] = (returned[i] - refreshEnd) / 1e6;
        }
        Arrays.sort(beyond);
        return new StormRun(source.refreshes(), beyond);
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

    record StaggerResult(StaggerSubject subject, int repetitions, double refreshesMedian, int refreshesMin,
                         int refreshesMax) {
    }

    static StaggerResult stagger(StaggerSubject subject, int repetitions) throws InterruptedException {
        staggerOnce(subject);
        int[] refreshes = new int[repetitions];
        for (int r = 0; r < repetitions; r++) {
            refreshes[r] = staggerOnce(subject);
        }
        return new StaggerResult(subject, repetitions, median(toDoubles(refreshes)),
            Arrays.stream(refreshes).min().orElseThrow(), Arrays.stream(refreshes).max().orElseThrow());
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
    private static int staggerOnce(StaggerSubject subject) throws InterruptedException {
        Subjects.Source source = new Subjects.Source(STAGGER_REFRESH, Subjects.ONE_HOUR);
        int[] status = new int[STAGGER_CALLS];
        IntFunction<Integer> call;
        if (subject == StaggerSubject.OURS) {
            TokenRefreshDecorator decorator = TokenRefreshDecorator.of("stagger", TokenRefreshConfig.custom()
                .refreshOnResult(result -> Integer.valueOf(401).equals(result))
                .build(), Subjects.ours(source));
            String first = decorator.executeFunction(AccessToken::value);
            StaggerServer server = new StaggerServer(first, STAGGER_SPREAD);
            call = i -> decorator.executeFunction(token -> server.respond(i, token.value()));
        } else {
            Subjects.GoogleCredentials credentials = Subjects.google(source, Instant.now().plus(Subjects.ONE_HOUR));
            StaggerServer server = new StaggerServer("google-0", STAGGER_SPREAD);
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

    static AsyncResult asyncWaiters(int repetitions) {
        asyncOnce();
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

    /** Starts one thread per index, opens one gate for all, and waits for every one to finish. */
    private static void runTogether(int threads, IndexedTask task) throws InterruptedException {
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
        gate.countDown();
        if (!finished.await(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            started.forEach(Thread::interrupt);
            throw new IllegalStateException("calls did not finish within " + CALL_TIMEOUT_SECONDS + "s");
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a call failed", failure.get());
        }
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
