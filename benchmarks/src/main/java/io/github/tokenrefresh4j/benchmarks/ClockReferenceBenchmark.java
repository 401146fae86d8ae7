package io.github.tokenrefresh4j.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * What one clock read costs on this machine, beside the hot path and with the same settings as
 * {@link HotPathBenchmark}: Google's credentials read {@code System.currentTimeMillis()} on every call, AWS's
 * cache reads {@code Instant.now()}, and tokenrefresh4j reads no clock while its token is valid. Most of the
 * difference between the libraries' hot paths is one such read, and its cost depends on the machine's clock
 * source (tens of nanoseconds on a VM without a usable TSC, about 20 ns or less on bare metal), so the hot-path
 * multiples hold for this machine only. {@code System.nanoTime()} is measured once, in the same run, as
 * {@code HotPathBenchmark.referenceNanoTime}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ClockReferenceBenchmark {

    private final Clock clock = Clock.systemUTC();

    @Benchmark
    public long clockCurrentTimeMillis() {
        return System.currentTimeMillis();
    }

    @Benchmark
    public Instant clockInstantNow() {
        return clock.instant();
    }
}
