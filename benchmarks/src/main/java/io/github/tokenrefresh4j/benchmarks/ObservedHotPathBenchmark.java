package io.github.tokenrefresh4j.benchmarks;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.micrometer.TokenRefreshObservations;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The hot path (a call with a valid token through {@code decorateFunction}) with and without an
 * {@code ObservationRegistry}: a plain decorator, one built by {@code TokenRefreshObservations} with
 * {@code ObservationRegistry.NOOP}, and one with a registry that has a meter handler, called with no observation in
 * scope and inside an open request observation, as in a traced server.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ObservedHotPathBenchmark {

    private final Function<AccessToken, String> call = AccessToken::value;

    private AccessToken token;
    private Supplier<String> plain;
    private Supplier<String> noop;
    private Supplier<String> observed;
    private Observation request;

    @Setup(Level.Trial)
    public void setUp() {
        token = AccessToken.of("raw", Instant.now().plus(Subjects.ONE_HOUR));
        Subjects.Source source = new Subjects.Source(Duration.ZERO, Subjects.ONE_HOUR);
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(new SimpleMeterRegistry()));

        plain = decorate(TokenRefreshDecorator.of("plain", TokenRefreshConfig.ofDefaults(), Subjects.ours(source)));
        noop = decorate(TokenRefreshObservations.of(ObservationRegistry.NOOP)
            .decorator("noop", TokenRefreshConfig.ofDefaults(), Subjects.ours(source)));
        observed = decorate(TokenRefreshObservations.of(registry)
            .decorator("observed", TokenRefreshConfig.ofDefaults(), Subjects.ours(source)));
        request = Observation.start("http.server.requests", registry);
    }

    private Supplier<String> decorate(TokenRefreshDecorator decorator) {
        Supplier<String> function = TokenRefreshDecorator.decorateFunction(decorator, call);
        function.get(); // the first token, so that the measured calls all find it valid
        return function;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        request.stop();
    }

    @Benchmark
    public String rawCall() {
        return call.apply(token);
    }

    @Benchmark
    public String plainDecorator() {
        return plain.get();
    }

    @Benchmark
    public String noopRegistry() {
        return noop.get();
    }

    @Benchmark
    public String observedDecorator() {
        return observed.get();
    }

    /** The observed decorator called inside an open request observation, as a traced server calls it. */
    @Benchmark
    public String observedDecoratorInRequest() {
        try (Observation.Scope ignored = request.openScope()) {
            return observed.get();
        }
    }

    /** For scale: opening and closing the request's scope alone, which the benchmark above includes. */
    @Benchmark
    public Object referenceRequestScope() {
        try (Observation.Scope scope = request.openScope()) {
            return scope;
        }
    }
}
