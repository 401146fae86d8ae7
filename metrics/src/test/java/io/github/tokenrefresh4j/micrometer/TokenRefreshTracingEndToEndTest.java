package io.github.tokenrefresh4j.micrometer;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.ManualScheduler;
import io.github.tokenrefresh4j.MutableClock;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelBaggageManager;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The observations as a user of micrometer-tracing sees them: spans through the OpenTelemetry bridge, exported to an
 * in-memory exporter.
 */
class TokenRefreshTracingEndToEndTest {

    private static final Duration LIFETIME = Duration.ofHours(1);

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final SdkTracerProvider tracerProvider = SdkTracerProvider.builder()
        .setSampler(Sampler.alwaysOn())
        .addSpanProcessor(SimpleSpanProcessor.create(exporter))
        .build();
    private final ObservationRegistry registry = ObservationRegistry.create();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final AtomicInteger issued = new AtomicInteger();
    private final ExecutorService callers = Executors.newFixedThreadPool(64);

    TokenRefreshTracingEndToEndTest() {
        OtelCurrentTraceContext context = new OtelCurrentTraceContext();
        OtelTracer tracer = new OtelTracer(tracerProvider.get("test"), context, event -> { },
            new OtelBaggageManager(context, List.of(), List.of()));
        registry.observationConfig().observationHandler(new DefaultTracingObservationHandler(tracer));
    }

    @AfterEach
    void close() throws InterruptedException {
        callers.shutdownNow();
        assertThat(callers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        tracerProvider.close();
    }

    private AccessToken newToken() {
        return AccessToken.of("secret-token-" + issued.incrementAndGet(), clock.instant().plus(LIFETIME));
    }

    private TokenRefreshConfig config() {
        return TokenRefreshConfig.custom().clock(clock).build();
    }

    private <T> T inRequest(Function<Observation, T> call) {
        Observation request = Observation.createNotStarted("http.request", registry).start();
        try (Observation.Scope ignored = request.openScope()) {
            return call.apply(request);
        } finally {
            request.stop();
        }
    }

    private List<SpanData> spans(String name) {
        return exporter.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name))
            .collect(Collectors.toList());
    }

    /**
     * The spans named {@code name} once exactly {@code count} have ended: the refresh's and the waits' end on the
     * decorator's events, published on the thread that ended the refresh just after it released the calls (issue 19).
     */
    private List<SpanData> awaitSpans(String name, int count) {
        await().atMost(Duration.ofSeconds(20)).until(() -> spans(name).size() == count);
        return spans(name);
    }

    @Test
    void tracedCallThatFindsTheTokenExpiredHasTheRefreshSpanUnderItsRequestSpan() {
        TokenRefreshDecorator tokens = TokenRefreshObservations.of(registry)
            .decorator("orders-api", config(), current -> newToken());
        tokens.executeFunction(AccessToken::value);
        awaitSpans(TokenRefreshObservations.REFRESH_OBSERVATION, 1); // the initial token's, before the reset
        clock.advance(LIFETIME.plusSeconds(1));
        exporter.reset();

        inRequest(r -> tokens.executeFunction(AccessToken::value));

        SpanData request = spans("http.request").get(0);
        List<SpanData> refreshes = awaitSpans(TokenRefreshObservations.REFRESH_OBSERVATION, 1);
        assertThat(refreshes).hasSize(1);
        SpanData refresh = refreshes.get(0);
        assertThat(refresh.getParentSpanId()).isEqualTo(request.getSpanId());
        assertThat(refresh.getTraceId()).isEqualTo(request.getTraceId());
        Map<String, String> attributes = refresh.getAttributes().asMap().entrySet().stream()
            .collect(Collectors.toMap(e -> e.getKey().getKey(), e -> String.valueOf(e.getValue())));
        assertThat(attributes).containsEntry("name", "orders-api").containsEntry("outcome", "successful")
            .containsEntry("reason", "expired");
        assertThat(exporter.getFinishedSpanItems().toString()).doesNotContain("secret-token");
    }

    @Test
    void sixtyFourConcurrentTracedCallsMakeOneRefreshSpanAndSixtyThreeWaits() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        // the refresh timeout never fires (a manual scheduler): on a busy machine the 64 calls may take long to join
        TokenRefreshDecorator tokens = TokenRefreshObservations.of(registry).decorator("orders-api",
            TokenRefreshConfig.from(config()).scheduler(new ManualScheduler()).build(), current -> {
                release.await();
                return newToken();
            });
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            calls.add(CompletableFuture.supplyAsync(
                () -> inRequest(r -> tokens.executeFunction(AccessToken::value)), callers));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> tokens.getMetrics().getNumberOfCoalescedCalls() == 63);
        release.countDown();
        for (CompletableFuture<String> call : calls) {
            call.get(20, TimeUnit.SECONDS);
        }

        List<SpanData> requests = spans("http.request");
        List<SpanData> refreshes = awaitSpans(TokenRefreshObservations.REFRESH_OBSERVATION, 1);
        List<SpanData> waits = awaitSpans(TokenRefreshObservations.WAIT_OBSERVATION, 63);
        assertThat(requests).hasSize(64);
        assertThat(refreshes).hasSize(1);
        assertThat(waits).hasSize(63);
        List<String> requestIds = requests.stream().map(SpanData::getSpanId).collect(Collectors.toList());
        List<String> parents = new ArrayList<>();
        parents.add(refreshes.get(0).getParentSpanId());
        waits.forEach(w -> parents.add(w.getParentSpanId()));
        assertThat(parents).containsExactlyInAnyOrderElementsOf(requestIds); // one under each request
        for (SpanData wait : waits) {
            assertThat(wait.getEndEpochNanos() - wait.getStartEpochNanos()).isPositive();
        }
        assertThat(exporter.getFinishedSpanItems().toString()).doesNotContain("secret-token");
    }
}
