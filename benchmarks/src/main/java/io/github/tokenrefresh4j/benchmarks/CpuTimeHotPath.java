package io.github.tokenrefresh4j.benchmarks;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The hot path in the calling thread's CPU time rather than wall time: a thread that the scheduler takes off the CPU
 * (on a machine shared with other builds) adds nothing to it, so the figures hold where JMH's wall-clock figures
 * are several times inflated. One subject per JVM, so that its call site is monomorphic as in a JMH fork; 20 million
 * calls per round, rounds 1 and 2 are warm-up, the median of the others is printed. Wall-clock JMH figures stay the
 * reference ({@link HotPathBenchmark}); this is the cross-check for a loaded machine.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.tokenrefresh4j.benchmarks.CpuTimeHotPath supplier
 * </pre>
 *
 * The subjects: {@code raw} (the call alone; the JIT may hoist it out of the loop, so it reads about 0),
 * {@code function} ({@code decorateFunction}) and {@code supplier} ({@code decorateSupplier} whose supplier reads
 * {@code currentToken()}).
 */
public final class CpuTimeHotPath {

    private static final long CALLS = 20_000_000L;
    private static final int ROUNDS = 9;
    private static volatile Object sink;

    private CpuTimeHotPath() {
    }

    public static void main(String[] args) {
        Function<AccessToken, String> call = AccessToken::value;
        AccessToken token = AccessToken.of("raw", Instant.now().plus(Subjects.ONE_HOUR));
        TokenRefreshDecorator decorator = TokenRefreshDecorator.of("cpu", TokenRefreshConfig.ofDefaults(),
            current -> AccessToken.of("v", Instant.now().plus(Subjects.ONE_HOUR)));
        Map<String, Supplier<String>> subjects = Map.of(
            "raw", () -> call.apply(token),
            "function", TokenRefreshDecorator.decorateFunction(decorator, call),
            "supplier", TokenRefreshDecorator.decorateSupplier(decorator, () -> call.apply(decorator.currentToken())));
        String name = args.length == 0 ? "supplier" : args[0];
        Supplier<String> subject = subjects.get(name);
        if (subject == null) {
            throw new IllegalArgumentException("subject must be one of " + subjects.keySet() + ", not " + name);
        }
        subject.get(); // the first token
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double[] nanosPerCall = new double[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            long start = threads.getCurrentThreadCpuTime();
            sink = loop(subject);
            nanosPerCall[round] = (threads.getCurrentThreadCpuTime() - start) / (double) CALLS;
        }
        double[] measured = Arrays.copyOfRange(nanosPerCall, 2, ROUNDS);
        Arrays.sort(measured);
        System.out.printf("%s: %.2f ns/call CPU time (median of %d rounds; min %.2f, max %.2f) on %s%n", name,
            measured[measured.length / 2], measured.length, measured[0], measured[measured.length - 1],
            System.getProperty("java.vm.version"));
    }

    private static Object loop(Supplier<String> subject) {
        Object last = null;
        for (long i = 0; i < CALLS; i++) {
            last = subject.get();
        }
        return last;
    }
}
