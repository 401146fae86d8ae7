package io.github.tokenrefresh4j.examples;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.micrometer.TaggedTokenRefreshMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * Proves every panel of {@code metrics/grafana/tokenrefresh4j-dashboard.json} against a real Prometheus: the test
 * serves the library's meters from a workload that refreshes, coalesces, rejects and fails, starts Debian's
 * {@code prometheus} on loopback scraping it every second, and evaluates each panel's expression through the HTTP
 * API, requiring a non-empty result. A renamed meter breaks this test, not an operator's dashboard.
 *
 * <p>Run by the {@code dashboard} profile ({@code .ci/run}): {@code ./mvnw -B -ntp -Pdashboard -pl examples -am verify}.
 * It needs the {@code prometheus} binary on the PATH, or its path in {@code -Dprometheus.binary}.
 */
class GrafanaDashboardIT {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final Path DASHBOARD = ROOT.resolve("metrics/grafana/tokenrefresh4j-dashboard.json");
    private static final String RATE_WINDOW = "15s";

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void everyPanelQueryHasAResultInARealPrometheus(@TempDir Path dir) throws Exception {
        Map<String, String> expressions = panelExpressions();
        assertThat(expressions).as("panels of " + DASHBOARD).hasSizeGreaterThanOrEqualTo(9);

        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TokenRefreshRegistry registry = TokenRefreshRegistry.of(TokenRefreshConfig.custom()
            .refreshOnResult("401"::equals)
            .failureCooldown(Duration.ofHours(1)) // the cooldown gauge stays above 0 while Prometheus scrapes
            .refreshTimeout(Duration.ofMinutes(10)) // the held refresh outlasts the 8 calls joining a busy machine
            .build());
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meters);
        workload(registry);

        Process prometheus = null;
        try (MetricsEndpoint endpoint = new MetricsEndpoint(0, meters)) {
            int port = freePort();
            prometheus = startPrometheus(dir, endpoint.port(), port);
            URI api = URI.create("http://127.0.0.1:" + port);
            Process running = prometheus;
            await("Prometheus ready at " + api).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    assertThat(running.isAlive()).as("prometheus exited; see " + dir.resolve("prometheus.log"))
                        .isTrue();
                    return status(api.resolve("/-/ready")) == 200;
                });

            Map<String, String> empty = new LinkedHashMap<>(expressions);
            try {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> {
                        empty.keySet().removeIf(panel -> hasResult(api, empty.get(panel)));
                        return empty.isEmpty();
                    });
            } catch (ConditionTimeoutException e) {
                fail("panel queries with no result after 30 s of scrapes every second: " + empty);
            }
        } finally {
            if (prometheus != null) {
                prometheus.destroy();
                if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** Each panel's title and target (A, B, ...) with its expression, the dashboard's variables filled in. */
    @SuppressWarnings("unchecked")
    static Map<String, String> panelExpressions() throws Exception {
        Map<String, Object> dashboard = JSONObjectUtils.parse(Files.readString(DASHBOARD));
        Map<String, String> expressions = new LinkedHashMap<>();
        for (Object p : (List<Object>) dashboard.get("panels")) {
            Map<String, Object> panel = (Map<String, Object>) p;
            List<Object> targets = (List<Object>) panel.get("targets");
            assertThat(targets).as("targets of panel " + panel.get("title")).isNotEmpty();
            for (Object t : targets) {
                Map<String, Object> target = (Map<String, Object>) t;
                String expr = ((String) target.get("expr"))
                    .replace("$__rate_interval", RATE_WINDOW)
                    .replace("$name", ".+");
                expressions.put(panel.get("title") + " / " + target.get("refId"), expr);
            }
        }
        return expressions;
    }

    /** Refreshes for every reason a workload can give, waits, rejections, and a failure that starts a cooldown. */
    private static void workload(TokenRefreshRegistry registry) throws Exception {
        AtomicInteger issued = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger held = new AtomicInteger();
        TokenRefreshDecorator orders = registry.tokenRefresh("orders-api", current -> {
            if (held.getAndIncrement() == 0) {
                release.await(); // the first refresh waits until every concurrent call has joined it
            }
            return AccessToken.of("token-" + issued.incrementAndGet(), Instant.now().plus(Duration.ofHours(1)));
        });
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<String>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> orders.executeFunction(AccessToken::value), callers));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> orders.getMetrics().getNumberOfCoalescedCalls() == 7);
            release.countDown();
            for (CompletableFuture<String> call : calls) {
                call.get(30, TimeUnit.SECONDS);
            }
        } finally {
            callers.shutdownNow();
        }
        AtomicInteger attempts = new AtomicInteger();
        orders.executeFunction(token -> attempts.incrementAndGet() == 1 ? "401" : "200"); // a rejection
        orders.invalidate();
        orders.executeFunction(AccessToken::value);

        TokenRefreshDecorator billing = registry.tokenRefresh("billing-api", current -> {
            throw new IOException("token endpoint unavailable");
        });
        assertThatThrownBy(() -> billing.executeFunction(AccessToken::value))
            .isInstanceOf(TokenRefreshException.class);
    }

    private Process startPrometheus(Path dir, int targetPort, int port) throws IOException {
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, String.join("\n",
            "global:",
            "  scrape_interval: 1s",
            "  evaluation_interval: 1s",
            "scrape_configs:",
            "  - job_name: tokenrefresh4j",
            "    metrics_path: /metrics",
            "    static_configs:",
            "      - targets: ['127.0.0.1:" + targetPort + "']",
            ""));
        return new ProcessBuilder(prometheusBinary(), "--config.file=" + config,
            "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    }

    private static String prometheusBinary() {
        String configured = System.getProperty("prometheus.binary");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(entry, "prometheus");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException("no prometheus binary on the PATH: install Debian's prometheus package "
            + "(.ci/run does) or pass -Dprometheus.binary=/path/to/prometheus");
    }

    private int status(URI uri) {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @SuppressWarnings("unchecked")
    private boolean hasResult(URI api, String expr) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(api.resolve("/api/v1/query?query="
                    + URLEncoder.encode(expr, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
            Map<String, Object> body = JSONObjectUtils.parse(response.body());
            assertThat(body.get("status")).as("Prometheus's answer to " + expr + ": " + response.body())
                .isEqualTo("success"); // a query Prometheus cannot parse fails at once
            return !((List<Object>) ((Map<String, Object>) body.get("data")).get("result")).isEmpty();
        } catch (IOException | java.text.ParseException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
