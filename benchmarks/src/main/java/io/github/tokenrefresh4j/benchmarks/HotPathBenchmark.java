package io.github.tokenrefresh4j.benchmarks;

import io.github.resilience4j.retry.Retry;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
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
import software.amazon.awssdk.utils.cache.CachedSupplier;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A call with a valid token, through each library. The call itself only reads the token value, so each figure minus
 * {@link #rawCall()} is what the library adds to every call. The token is valid for an hour: no refresh happens
 * during a run. The {@code threads} count is set by {@link RunAll} (1 and 2) or by {@code -t} on the JMH command line.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class HotPathBenchmark {

    private final Function<AccessToken, String> call = AccessToken::value;

    private final ThreadLocal<AccessToken> threadLocal = ThreadLocal.withInitial(() -> this.token);

    private AccessToken token;
    private Supplier<String> ourFunction;
    private Supplier<String> ourSupplier;
    private Subjects.GoogleCredentials google;
    private CachedSupplier<AccessToken> aws;
    private Supplier<String> retry;
    private Subjects.SynchronizedHolder holder;

    @Setup(Level.Trial)
    public void setUp() {
        token = AccessToken.of("raw", Instant.now().plus(Subjects.ONE_HOUR));
        Subjects.Source source = new Subjects.Source(Duration.ZERO, Subjects.ONE_HOUR);

        TokenRefreshDecorator decorator = TokenRefreshDecorator.of("benchmark", TokenRefreshConfig.ofDefaults(),
            Subjects.ours(source));
        ourFunction = TokenRefreshDecorator.decorateFunction(decorator, call);
        ourSupplier = TokenRefreshDecorator.decorateSupplier(decorator, () -> call.apply(decorator.currentToken()));
        ourFunction.get(); // the first token, so that the measured calls all find it valid

        google = Subjects.google(source, Instant.now().plus(Subjects.ONE_HOUR));
        aws = Subjects.aws(source);
        aws.get();
        Retry plainRetry = Retry.ofDefaults("benchmark");
        AccessToken fixed = token;
        retry = Retry.decorateSupplier(plainRetry, () -> call.apply(fixed));
        holder = new Subjects.SynchronizedHolder(source);
        holder.get();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        aws.close();
    }

    /** The call alone, with a token from a field: the floor every other figure is compared to. */
    @Benchmark
    public String rawCall() {
        return call.apply(token);
    }

    @Benchmark
    public String ourDecorateFunction() {
        return ourFunction.get();
    }

    @Benchmark
    public String ourDecorateSupplier() {
        return ourSupplier.get();
    }

    @Benchmark
    public Map<String, List<String>> googleGetRequestMetadata() throws IOException {
        return google.getRequestMetadata();
    }

    @Benchmark
    public String awsCachedSupplier() {
        return call.apply(aws.get());
    }

    @Benchmark
    public String resilience4jRetry() {
        return retry.get();
    }

    @Benchmark
    public String synchronizedHolder() {
        return call.apply(holder.get());
    }

    /** For scale: one {@code ThreadLocal} lookup, which {@code decorateSupplier} makes twice per call. */
    @Benchmark
    public String referenceThreadLocalGet() {
        return call.apply(threadLocal.get());
    }

    /** For scale: reading the clock, which none of our calls with a valid token does. */
    @Benchmark
    public long referenceNanoTime() {
        return System.nanoTime();
    }
}
