package io.github.tokenrefresh4j.examples;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.core.functions.CheckedSupplier;
import io.github.resilience4j.decorators.Decorators;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.TokenRefresher;
import io.github.tokenrefresh4j.micrometer.TaggedTokenRefreshMetrics;
import io.github.tokenrefresh4j.oauth2.OAuth2TokenRefresher;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * The one-command demo: a real OAuth2 authorization server, a JWT-protected API and a pool of workers calling it,
 * all in this process on 127.0.0.1, for a few token lifetimes. Every call goes through
 * {@code Retry(CircuitBreaker(TokenRefreshDecorator(call)))}; each time the token expires, the workers that need a
 * new one share one token request. It prints a progress line per second, the {@code tokenrefresh_*} series of its
 * own Prometheus endpoint, and one summary line:
 * <pre>
 * demo: calls=&lt;n&gt; ok=&lt;n&gt; failed=&lt;n&gt; rejections=&lt;n&gt; refreshes=&lt;n&gt; token_requests=&lt;n&gt;
 * </pre>
 * where {@code token_requests} is the authorization server's own count. Run it with
 * {@code mvn -pl examples exec:java}; options such as {@code --seconds=5} go in {@code -Dexec.args="..."}:
 * <pre>{@code
 * Demo.Result result = Demo.run(Demo.Options.parse("--seconds=4", "--auth-port=0"), System.out);
 * }</pre>
 */
public final class Demo {

    private static final String CLIENT_SECRET = "demo-secret";

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        Result result = run(Options.parse(args), System.out);
        if (!result.clean()) {
            System.err.println("demo: unexpected outcome, see the summary line");
            // A script or CI running the Quick start command sees the failure in the exit status.
            System.exit(1);
        }
    }

    /**
     * Runs the demo and returns its counts once every server it started is stopped.
     *
     * @param options what to run
     * @param out     where the progress, the scrape and the summary go
     */
    public static Result run(Options options, PrintStream out) throws Exception {
        Objects.requireNonNull(options, "options must not be null");
        Objects.requireNonNull(out, "out must not be null");
        HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

        try (AuthorizationServer auth = new AuthorizationServer(options.authPort(), options.tokenLifetime());
             ResourceServer api = new ResourceServer(options.apiPort(), auth.issuer(), auth.jwksUri(),
                 options.apiClockSkew(), options.transientFailureRate());
             MetricsEndpoint metricsEndpoint = new MetricsEndpoint(options.metricsPort(), prometheus)) {
            out.printf("demo: authorization server %s, API %s, metrics %s; %d workers for %ds, tokens live %ds%n",
                auth.issuer(), api.ordersUri(), metricsEndpoint.uri(), options.workers(),
                options.duration().toSeconds(), options.tokenLifetime().toSeconds());

            // The server issues no refresh token for client_credentials (RFC 6749 §4.4.3), so the first token
            // comes from an authorization code and every later one from OAuth2TokenRefresher's refresh_token grant.
            LongAdder replacedTokens = new LongAdder();
            TokenRefresher refresher = new SignInThenRefresh(auth, http, replacedTokens);

            TokenRefreshRegistry tokenRefreshRegistry = TokenRefreshRegistry.of(TokenRefreshConfig.custom()
                .refreshOnResult(HttpClientRecipe.INVALID_TOKEN)
                .refreshAhead(options.refreshAhead())
                // With the API's clock ahead, a slow call may be rejected twice: late, with a token already
                // replaced, and again with its successor if that one is near its end by the API's clock.
                .maxRefreshAttemptsPerCall(2)
                .build());
            RetryRegistry retryRegistry = RetryRegistry.of(RetryConfig.<HttpResponse<String>>custom()
                .maxAttempts(5)
                .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(Duration.ofMillis(10), 2))
                .retryOnResult(response -> response.statusCode() == 503)
                .retryExceptions(IOException.class)
                .build());
            CircuitBreakerRegistry circuitBreakerRegistry = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowSize(50)
                .minimumNumberOfCalls(20)
                .failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofSeconds(1))
                .recordResult(result -> result instanceof HttpResponse<?>
                    && ((HttpResponse<?>) result).statusCode() >= 500)
                .recordExceptions(IOException.class, TokenRefreshException.class)
                .build());
            TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(tokenRefreshRegistry).bindTo(prometheus);
            TaggedRetryMetrics.ofRetryRegistry(retryRegistry).bindTo(prometheus);
            TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(circuitBreakerRegistry).bindTo(prometheus);

            TokenRefreshDecorator tokens = tokenRefreshRegistry.tokenRefresh("orders-api", refresher);
            CircuitBreaker circuitBreaker = circuitBreakerRegistry.circuitBreaker("orders-api");
            Retry retry = retryRegistry.retry("orders-api");
            // Retry outermost: it sees each outcome after the token was handled and the breaker recorded it.
            CheckedSupplier<HttpResponse<String>> getOrders = Decorators
                .ofCheckedSupplier(HttpClientRecipe.getWithBearer(tokens, http, api.ordersUri()))
                .withCircuitBreaker(circuitBreaker)
                .withRetry(retry)
                .decorate();

            Counts counts = runWorkers(options, getOrders, tokens, out);
            awaitLastRefreshCounted(tokens, auth);

            String scrape = scrape(http, metricsEndpoint);
            scrape.lines().filter(line -> line.startsWith("tokenrefresh_")).forEach(out::println);
            if (!counts.failures.isEmpty()) {
                out.println("demo: failures by cause " + new TreeMap<>(counts.failures));
            }
            TokenRefreshDecorator.Metrics metrics = tokens.getMetrics();
            Result result = new Result(counts.calls.sum(), counts.ok.sum(), counts.failed.sum(),
                metrics.getNumberOfRejectedTokens(),
                metrics.getNumberOfSuccessfulRefreshes() + metrics.getNumberOfFailedRefreshes(),
                auth.tokenRequests(), replacedTokens.sum(), scrape,
                auth.port(), api.port(), metricsEndpoint.port());
            out.println(result.summary());
            return result;
        } finally {
            prometheus.close();
        }
    }

    /**
     * A refresh releases its calls first and is counted just after, on its own thread: give the last one a moment
     * (at most 5 s) to be counted, so that the summary compares like with like.
     */
    private static void awaitLastRefreshCounted(TokenRefreshDecorator tokens, AuthorizationServer auth)
        throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        TokenRefreshDecorator.Metrics metrics = tokens.getMetrics();
        while (metrics.getNumberOfSuccessfulRefreshes() + metrics.getNumberOfFailedRefreshes() < auth.tokenRequests()
            && System.nanoTime() - deadline < 0) {
            Thread.sleep(10);
        }
    }

    private static Counts runWorkers(Options options, CheckedSupplier<HttpResponse<String>> getOrders,
                                     TokenRefreshDecorator tokens, PrintStream out) throws InterruptedException {
        Counts counts = new Counts();
        ExecutorService workers = Executors.newFixedThreadPool(options.workers(), threads("demo-worker-", false));
        ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(threads("demo-progress-", true));
        long deadline = System.nanoTime() + options.duration().toNanos();
        try {
            progress.scheduleAtFixedRate(new Progress(counts, tokens, out), 1, 1, TimeUnit.SECONDS);
            for (int i = 0; i < options.workers(); i++) {
                workers.execute(() -> {
                    while (System.nanoTime() - deadline < 0) {
                        call(getOrders, counts);
                    }
                });
            }
        } finally {
            workers.shutdown();
            // A call still running at the deadline ends within its timeouts: the refresh timeout, then 5 attempts
            // of at most 5 s each.
            if (!workers.awaitTermination(options.duration().toSeconds() + 60, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
            progress.shutdownNow();
        }
        return counts;
    }

    private static void call(CheckedSupplier<HttpResponse<String>> getOrders, Counts counts) {
        try {
            HttpResponse<String> response = getOrders.get();
            if (response.statusCode() == 200) {
                counts.ok.increment();
            } else {
                counts.fail("HTTP " + response.statusCode());
            }
        } catch (Throwable t) {
            counts.fail(t.getClass().getSimpleName());
        } finally {
            counts.calls.increment();
        }
    }

    private static String scrape(HttpClient http, MetricsEndpoint endpoint) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
            HttpRequest.newBuilder(endpoint.uri()).timeout(Duration.ofSeconds(5)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("metrics endpoint answered " + response.statusCode());
        }
        return response.body();
    }

    private static ThreadFactory threads(String prefix, boolean daemon) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
            thread.setDaemon(daemon);
            return thread;
        };
    }

    /**
     * The demo's refresher: the first token from the authorization code of a sign-in, every later one from the
     * refresh-token grant of an {@link OAuth2TokenRefresher} that starts from the sign-in's refresh token. The
     * decorator runs one refresh at a time, so the first call builds the grant before any other call reads it.
     */
    private static final class SignInThenRefresh implements TokenRefresher {
        private final AuthorizationServer auth;
        private final HttpClient http;
        private final LongAdder replacedTokens;
        private volatile OAuth2TokenRefresher refreshTokenGrant;

        SignInThenRefresh(AuthorizationServer auth, HttpClient http, LongAdder replacedTokens) {
            this.auth = auth;
            this.http = http;
            this.replacedTokens = replacedTokens;
        }

        @Override
        public AccessToken refresh(AccessToken current) throws Exception {
            OAuth2TokenRefresher grant = refreshTokenGrant;
            if (grant == null) {
                AccessToken first = auth.exchange(auth.login(http), CLIENT_SECRET);
                refreshTokenGrant = OAuth2TokenRefresher.refreshToken(auth.tokenEndpoint(),
                    AuthorizationServer.CLIENT_ID, CLIENT_SECRET,
                    first.refreshToken().orElseThrow(() -> new IOException("sign-in brought no refresh token")))
                    .build();
                return first;
            }
            replacedTokens.increment();
            return grant.refresh(current);
        }
    }

    private static final class Counts {
        final LongAdder calls = new LongAdder();
        final LongAdder ok = new LongAdder();
        final LongAdder failed = new LongAdder();
        final Map<String, LongAdder> failures = new ConcurrentHashMap<>();

        void fail(String cause) {
            failed.increment();
            failures.computeIfAbsent(cause, c -> new LongAdder()).increment();
        }
    }

    /** Prints what happened in the last second: calls finished, rejections, refreshes and calls that waited. */
    private static final class Progress implements Runnable {
        private final Counts counts;
        private final TokenRefreshDecorator tokens;
        private final PrintStream out;
        private int second;
        private long calls;
        private long rejections;
        private long refreshes;
        private long waiters;

        Progress(Counts counts, TokenRefreshDecorator tokens, PrintStream out) {
            this.counts = counts;
            this.tokens = tokens;
            this.out = out;
        }

        @Override
        public void run() {
            TokenRefreshDecorator.Metrics metrics = tokens.getMetrics();
            long nowCalls = counts.calls.sum();
            long nowRejections = metrics.getNumberOfRejectedTokens();
            long nowRefreshes = metrics.getNumberOfSuccessfulRefreshes() + metrics.getNumberOfFailedRefreshes();
            long nowWaiters = metrics.getNumberOfCoalescedCalls();
            second++;
            out.printf("t=%2ds calls=%d rejections=%d refreshes=%d waiters=%d%n", second,
                nowCalls - calls, nowRejections - rejections, nowRefreshes - refreshes, nowWaiters - waiters);
            calls = nowCalls;
            rejections = nowRejections;
            refreshes = nowRefreshes;
            waiters = nowWaiters;
        }
    }

    /**
     * What to run. Every port may be 0 for an ephemeral one.
     *
     * @param duration             how long the workers make calls
     * @param workers              how many threads make calls
     * @param tokenLifetime        how long an access token lives, whole seconds
     * @param apiClockSkew         how far the API's clock runs ahead of the others', so that it rejects tokens the
     *                             client still holds valid
     * @param transientFailureRate the share of API requests answered with 503
     * @param refreshAhead         the decorator's refreshAhead; zero makes every expiry a burst of waiting calls
     */
    public record Options(Duration duration, int workers, Duration tokenLifetime, Duration apiClockSkew,
                          double transientFailureRate, Duration refreshAhead,
                          int authPort, int apiPort, int metricsPort) {

        public Options {
            Objects.requireNonNull(duration, "duration must not be null");
            Objects.requireNonNull(tokenLifetime, "tokenLifetime must not be null");
            Objects.requireNonNull(apiClockSkew, "apiClockSkew must not be null");
            Objects.requireNonNull(refreshAhead, "refreshAhead must not be null");
            if (duration.toSeconds() < 1) {
                throw new IllegalArgumentException("duration must be at least 1s, was " + duration);
            }
            if (workers < 1) {
                throw new IllegalArgumentException("workers must be at least 1, was " + workers);
            }
            // JWT times are whole seconds, so a new token may be valid at the API for only
            // tokenLifetime - apiClockSkew - 1s: keep that a full second, or retries meet expired tokens.
            if (tokenLifetime.compareTo(apiClockSkew.plusSeconds(2)) < 0) {
                throw new IllegalArgumentException("tokenLifetime must be at least apiClockSkew + 2s, was "
                    + tokenLifetime + " with apiClockSkew " + apiClockSkew);
            }
            for (int port : new int[] {authPort, apiPort, metricsPort}) {
                if (port < 0 || port > 65535) {
                    throw new IllegalArgumentException("ports must be between 0 and 65535, was " + port);
                }
            }
        }

        /**
         * Parses {@code --name=value} arguments over the defaults: {@code --seconds=15 --workers=8
         * --token-lifetime=3 --api-clock-skew-ms=1000 --transient-failure-rate=0.02 --refresh-ahead-ms=0
         * --auth-port=0 --api-port=0 --metrics-port=0}.
         *
         * @throws IllegalArgumentException naming an unknown option or a bad value
         */
        public static Options parse(String... args) {
            Map<String, String> values = new TreeMap<>(Map.of(
                "seconds", "15", "workers", "8", "token-lifetime", "3", "api-clock-skew-ms", "1000",
                "transient-failure-rate", "0.02", "refresh-ahead-ms", "0",
                "auth-port", "0", "api-port", "0", "metrics-port", "0"));
            for (String arg : args) {
                int eq = arg.indexOf('=');
                String name = arg.startsWith("--") && eq > 2 ? arg.substring(2, eq) : null;
                if (name == null || !values.containsKey(name)) {
                    throw new IllegalArgumentException("unknown option " + arg + "; options are "
                        + values.keySet().stream().map(n -> "--" + n + "=").collect(Collectors.joining(" ")));
                }
                values.put(name, arg.substring(eq + 1));
            }
            try {
                return new Options(
                    Duration.ofSeconds(Long.parseLong(values.get("seconds"))),
                    Integer.parseInt(values.get("workers")),
                    Duration.ofSeconds(Long.parseLong(values.get("token-lifetime"))),
                    Duration.ofMillis(Long.parseLong(values.get("api-clock-skew-ms"))),
                    Double.parseDouble(values.get("transient-failure-rate")),
                    Duration.ofMillis(Long.parseLong(values.get("refresh-ahead-ms"))),
                    Integer.parseInt(values.get("auth-port")),
                    Integer.parseInt(values.get("api-port")),
                    Integer.parseInt(values.get("metrics-port")));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("option value is not a number: " + e.getMessage(), e);
            }
        }
    }

    /**
     * What the demo counted.
     *
     * @param calls         calls the workers made, each through Retry, CircuitBreaker and the decorator
     * @param ok            calls that ended with 200
     * @param failed        calls that ended otherwise
     * @param rejections    call outcomes that said the token was rejected (the decorator's count)
     * @param refreshes     refreshes, successful and failed (the decorator's count)
     * @param tokenRequests token requests the authorization server received (its own count)
     * @param expiries      tokens replaced; only expiry replaces one here, by the client's clock or the API's
     * @param scrape        the Prometheus scrape taken at the end, over HTTP
     */
    public record Result(long calls, long ok, long failed, long rejections, long refreshes, long tokenRequests,
                         long expiries, String scrape, int authPort, int apiPort, int metricsPort) {

        /** @return true if every call succeeded and every refresh was one token request */
        public boolean clean() {
            return failed == 0 && tokenRequests == refreshes;
        }

        /** @return the summary line */
        public String summary() {
            return "demo: calls=" + calls + " ok=" + ok + " failed=" + failed + " rejections=" + rejections
                + " refreshes=" + refreshes + " token_requests=" + tokenRequests;
        }
    }
}
