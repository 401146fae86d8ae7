package io.github.tokenrefresh4j.micrometer;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.MutableClock;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.event.TokenRefreshEvent;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Drives one decorator, bound to Prometheus, through success, rejection, failure, cooldown and timeout with a known
 * access token and refresh token, collects every string the library produces (toString of its public types,
 * exception messages and stack traces, events, java.util.logging output, and a Prometheus scrape), and asserts that
 * neither secret appears anywhere. Lives here, not in core, because the scrape needs the metrics module.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class EverySecretStaysSecretTest {

    private static final String ACCESS = "at-7f3e1c-SECRET";
    private static final String REFRESH = "rt-91b2d4-SECRET";

    private final List<String> produced = new CopyOnWriteArrayList<>();
    private final Logger libraryLogger = Logger.getLogger("io.github.tokenrefresh4j");
    private final Handler capture = new Handler() {
        private final SimpleFormatter formatter = new SimpleFormatter();

        @Override
        public void publish(LogRecord record) {
            produced.add(formatter.format(record)); // message, parameters and stack trace, as a log file shows it
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureLogs() {
        libraryLogger.addHandler(capture);
        libraryLogger.setLevel(Level.ALL);
    }

    @AfterEach
    void stopCapturing() {
        libraryLogger.removeHandler(capture);
        libraryLogger.setLevel(null);
    }

    @Test
    void noStringTheLibraryProducesContainsTheAccessOrRefreshToken() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TokenRefreshConfig config = TokenRefreshConfig.custom()
            .clock(clock)
            .refreshOnResult("401"::equals)
            // the refreshes before the hung one must end within it, on a loaded machine too
            .refreshTimeout(Duration.ofSeconds(2))
            .failureCooldown(Duration.ofSeconds(5))
            .build();
        TokenRefreshRegistry registry = TokenRefreshRegistry.of(config);
        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(prometheus);
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch hang = new CountDownLatch(1);
        TokenRefreshDecorator tokens = registry.tokenRefresh("orders-api", current -> {
            int n = calls.incrementAndGet();
            if (n == 3) {
                throw new IOException("token endpoint answered 400 invalid_grant");
            }
            if (n == 4) {
                hang.await(5, TimeUnit.SECONDS);
            }
            return AccessToken.of(ACCESS + n, clock.instant().plusSeconds(3600)).withRefreshToken(REFRESH + n);
        });
        tokens.getEventPublisher().onEvent(event -> produced.add(event.toString()));
        // A consumer that throws makes the library log the event it could not deliver.
        tokens.getEventPublisher().onRefreshFailed(event -> {
            throw new IllegalStateException("consumer bug");
        });
        // Registered last: when it counts a refresh's end, the consumers above have had (and logged) that event.
        AtomicInteger refreshEnds = new AtomicInteger();
        tokens.getEventPublisher().onEvent(event -> {
            if (event.getEventType() == TokenRefreshEvent.Type.REFRESH_SUCCEEDED
                || event.getEventType() == TokenRefreshEvent.Type.REFRESH_FAILED) {
                refreshEnds.incrementAndGet();
            }
        });

        // success, then a rejection answered by a second refresh
        produced.add(tokens.executeFunction(token -> token.value().endsWith("1") ? "401" : "ok"));
        AccessToken current = tokens.currentToken();
        // failure
        tokens.invalidate();
        collect(catchThrowable(() -> tokens.executeFunction(AccessToken::value)));
        // cooldown refusal
        collect(catchThrowable(() -> tokens.executeFunction(AccessToken::value)));
        // timeout
        clock.advance(Duration.ofSeconds(6));
        collect(catchThrowable(() -> tokens.executeFunction(AccessToken::value)));
        hang.countDown();
        // A refresh publishes its event after it released the calls, on its own thread: every string is collected
        // once the five ends (two successes, the failure, the timeout and the late token) are published.
        await().atMost(Duration.ofSeconds(10)).until(() -> refreshEnds.get() == 5);

        produced.add(String.valueOf(current));
        produced.add(tokens.toString());
        produced.add(tokens.getTokenRefreshConfig().toString());
        produced.add(tokens.getTags().toString());
        produced.add(registry.toString());
        produced.add(prometheus.scrape());

        assertThat(calls.get()).as("the scenario reached every phase").isGreaterThanOrEqualTo(4);
        assertThat(produced).anySatisfy(s -> assertThat(s).contains("timed out"));
        assertThat(produced).anySatisfy(s -> assertThat(s).contains("refused"));
        assertThat(produced).anySatisfy(s -> assertThat(s).contains("consumer"));
        assertThat(produced).anySatisfy(s -> assertThat(s).contains("tokenrefresh_refreshes_total"));
        assertThat(produced).allSatisfy(s -> assertThat(s).doesNotContain(ACCESS).doesNotContain(REFRESH));
    }

    private void collect(Throwable thrown) {
        assertThat(thrown).isNotNull();
        StringWriter trace = new StringWriter();
        thrown.printStackTrace(new PrintWriter(trace));
        produced.add(thrown.toString());
        produced.add(trace.toString());
    }
}
