package io.github.tokenrefresh4j.benchmarks;

import io.github.resilience4j.reactor.retry.RetryOperator;
import io.github.resilience4j.retry.Retry;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.reactor.TokenRefreshOperator;
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
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Mono;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * One {@code Mono} call with a valid token, subscribed and read with {@code block()} (which does not park: every
 * source here completes during subscription), plain and through each operator. Each pipeline is assembled per call,
 * as a WebClient call is; the operators themselves are built once. The token is valid for an hour: no refresh
 * happens during a run.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar org.openjdk.jmh.Main ReactorOperator -prof gc
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ReactorOperatorBenchmark {

    private AccessToken token;
    private TokenRefreshDecorator decorator;
    private TokenRefreshOperator<String> tokenRefreshOperator;
    private RetryOperator<String> retryOperator;

    @Setup(Level.Trial)
    public void setUp() {
        token = AccessToken.of("raw", Instant.now().plus(Subjects.ONE_HOUR));
        decorator = TokenRefreshDecorator.of("benchmark", TokenRefreshConfig.ofDefaults(), current -> token);
        decorator.executeFunction(AccessToken::value); // the first token, so that the measured calls find it valid
        tokenRefreshOperator = TokenRefreshOperator.of(decorator);
        retryOperator = RetryOperator.of(Retry.ofDefaults("benchmark"));
    }

    /** The baseline: the call alone. */
    @Benchmark
    public String plainMono() {
        return Mono.just(token).map(AccessToken::value).block();
    }

    /** Resilience4j's operator around the same call, the shape users compare us with. */
    @Benchmark
    public String retryOperator() {
        return Mono.just(token).map(AccessToken::value).transformDeferred(retryOperator).block();
    }

    /** Ours, the call getting its token as the argument. */
    @Benchmark
    public String tokenRefreshMono() {
        return TokenRefreshOperator.mono(decorator, t -> Mono.just(t).map(AccessToken::value)).block();
    }

    /** Ours as an operator, the call reading its token from the subscriber context. */
    @Benchmark
    public String tokenRefreshOperator() {
        return TokenRefreshOperator.token().map(AccessToken::value).transformDeferred(tokenRefreshOperator).block();
    }
}
