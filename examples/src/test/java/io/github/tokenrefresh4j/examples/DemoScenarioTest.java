package io.github.tokenrefresh4j.examples;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The demo scenario for a few seconds on ephemeral ports, run once for all tests here: what the README's one
 * command shows, as assertions.
 */
class DemoScenarioTest {

    private static Set<Thread> threadsBefore;
    private static Demo.Result result;
    private static String output;

    @BeforeAll
    static void runDemo() throws Exception {
        threadsBefore = Set.copyOf(Thread.getAllStackTraces().keySet());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        result = Demo.run(Demo.Options.parse("--seconds=7", "--workers=4"),
            new PrintStream(bytes, true, StandardCharsets.UTF_8));
        output = bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void everyCallSucceedsAndEachRefreshIsOneTokenRequest() {
        assertThat(result.calls()).isPositive();
        assertThat(result.failed()).isZero();
        assertThat(result.ok()).isEqualTo(result.calls());
        assertThat(result.tokenRequests()).isEqualTo(result.refreshes());
        assertThat(result.clean()).as("main exits 0").isTrue();
        assertThat(result.expiries()).as("tokens replaced after expiring").isPositive();
    }

    @Test
    void scrapeOfItsOwnEndpointHasTheRefreshCounter() {
        assertThat(result.scrape()).contains("tokenrefresh_refreshes_total");
        assertThat(output.lines()).anyMatch(line -> line.startsWith("tokenrefresh_refreshes_total{"));
    }

    @Test
    void outputEndsWithTheOneSummaryLineAndShowsNoToken() {
        List<String> lines = output.lines().collect(Collectors.toList());
        assertThat(lines).anyMatch(line -> line.startsWith("t= 1s calls="));
        assertThat(lines).filteredOn(line -> line.startsWith("demo: calls=")).containsExactly(result.summary());
        assertThat(lines.get(lines.size() - 1)).isEqualTo(result.summary())
            .matches("demo: calls=\\d+ ok=\\d+ failed=\\d+ rejections=\\d+ refreshes=\\d+ token_requests=\\d+");
        // Every JWT starts with the base64 of '{"': none may reach the output.
        assertThat(output).doesNotContain("eyJ");
    }

    @Test
    void nothingIsLeftRunning() {
        for (int port : new int[] {result.authPort(), result.apiPort(), result.metricsPort()}) {
            assertThat(port).isPositive();
            assertThatThrownBy(() -> connect(port)).as("port %d is closed", port).isInstanceOf(IOException.class);
        }
        // Daemon threads (the JDK HttpClient's, the library's shared refresher pool) do not keep a JVM alive.
        await().pollInSameThread().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
            assertThat(Thread.getAllStackTraces().keySet())
                .filteredOn(thread -> !threadsBefore.contains(thread) && !thread.isDaemon() && thread.isAlive())
                .isEmpty());
    }

    private static void connect(int port) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.getPort();
        }
    }
}
