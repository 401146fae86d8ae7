package io.github.tokenrefresh4j.benchmarks;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs the whole set: the JMH hot path and the clock-read reference at 1 and 2 threads (with {@code -prof gc}), then
 * the storm, stagger and async-waiter harness, and prints one Markdown report, also written next to the jar as
 * {@code benchmarks-report.md}.
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar            # everything, about 10 minutes on 2 cores
 * java -jar benchmarks/target/benchmarks.jar harness    # storm, stagger and async only
 * java -jar benchmarks/target/benchmarks.jar hotpath    # JMH only
 * }</pre>
 */
public final class RunAll {

    private static final int STORM_WARMUPS = 10;
    private static final int STORM_REPETITIONS = 15;
    private static final int STAGGER_WARMUPS = 3;
    private static final int STAGGER_REPETITIONS = 9;
    private static final int ASYNC_WARMUPS = 2;
    private static final int ASYNC_REPETITIONS = 5;
    private static final List<String> CLOCK_READS =
        List.of("clockCurrentTimeMillis", "clockInstantNow");
    private static final String RAW = "rawCall";
    private static final String OUR_FUNCTION = "ourDecorateFunction";
    private static final String OUR_SUPPLIER = "ourDecorateSupplier";

    private RunAll() {
    }

    public static void main(String[] args) throws Exception {
        List<String> parts = args.length == 0 ? List.of("hotpath", "harness") : Arrays.asList(args);
        StringBuilder report = new StringBuilder();
        String started = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        long startNanos = System.nanoTime();

        if (parts.contains("hotpath")) {
            report.append(hotPath());
        }
        if (parts.contains("harness")) {
            report.append(harness());
        }

        double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        String header = "## Run\n\n"
            + "| | |\n|---|---|\n"
            + "| started | " + started + " |\n"
            + "| wall time | " + String.format(Locale.ROOT, "%.1f min", (System.nanoTime() - startNanos) / 6e10) + " |\n"
            + "| JDK | " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
            + " |\n"
            + "| OS | " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
            + System.getProperty("os.arch") + " |\n"
            + "| CPU | " + cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores visible |\n"
            + "| clock source | " + clockSource() + " |\n"
            + "| load average (1 min) before / after | " + String.format(Locale.ROOT, "%.2f / %.2f", loadBefore,
            loadAfter) + " |\n\n";
        String text = "# Benchmark report\n\n" + header + report;
        System.out.println();
        System.out.println(text);
        Path out = reportPath();
        Files.writeString(out, text);
        System.out.println("Report written to " + out);
    }

    private static String hotPath() throws RunnerException {
        StringBuilder md = new StringBuilder("## Hot path (JMH, average time, ns/op)\n\n");
        for (int threads : new int[] {1, 2}) {
            Options options = new OptionsBuilder()
                .include(HotPathBenchmark.class.getName() + "\\.")
                .include(ClockReferenceBenchmark.class.getName() + "\\.")
                .threads(threads)
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(true)
                .build();
            Map<String, RunResult> byName = new LinkedHashMap<>();
            for (RunResult result : new Runner(options).run()) {
                String label = result.getParams().getBenchmark();
                byName.put(label.substring(label.lastIndexOf('.') + 1), result);
            }
            md.append(hotPathTable(threads, byName));
        }
        return md.toString();
    }

    private static String hotPathTable(int threads, Map<String, RunResult> byName) {
        double raw = median(byName.get(RAW));
        double function = median(byName.get(OUR_FUNCTION));
        double supplier = median(byName.get(OUR_SUPPLIER));
        double google = median(byName.get("googleGetRequestMetadata"));
        StringBuilder md = new StringBuilder("### threads = " + threads + "\n\n"
            + "| benchmark | ns/op (median of iterations) | JMH mean ± 99.9% | B/op | over raw call, ns "
            + "| ÷ ours (decorateFunction) | ÷ ours (decorateSupplier) |\n"
            + "|---|---:|---:|---:|---:|---:|---:|\n");
        for (String name : List.of(RAW, OUR_FUNCTION, OUR_SUPPLIER, "googleGetRequestMetadata",
            "awsCachedSupplier", "resilience4jRetry", "synchronizedHolder", "referenceThreadLocalGet",
            "referenceNanoTime")) {
            RunResult result = byName.get(name);
            if (result == null) {
                continue;
            }
            Result<?> primary = result.getPrimaryResult();
            Result<?> alloc = result.getSecondaryResults().get("gc.alloc.rate.norm");
            double median = median(result);
            md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f ± %.2f | %s | %.2f | %.2f× | %.2f× |%n", name,
                median, primary.getScore(), primary.getScoreError(),
                alloc == null ? "n/a" : String.format(Locale.ROOT, "%.1f", alloc.getScore()),
                median - raw, median / function, median / supplier));
        }
        md.append(String.format(Locale.ROOT, "%nOverhead over the raw call (medians): decorateFunction %.2f ns, "
                + "decorateSupplier %.2f ns. Google's whole call: %.2f ns; a third of it: %.2f ns.%n%n",
            function - raw, supplier - raw, google, google / 3));
        md.append(clockTable(threads, byName, function, google));
        return md.toString();
    }

    /** The clock reads of {@link ClockReferenceBenchmark}, from the same run, and what they explain. */
    private static String clockTable(int threads, Map<String, RunResult> byName, double function, double google) {
        StringBuilder md = new StringBuilder("#### Clock reads, same run (threads = " + threads + ")\n\n"
            + "| read | ns/op (median of iterations) | JMH mean ± 99.9% | ÷ ours (decorateFunction) |\n"
            + "|---|---:|---:|---:|\n");
        for (String name : CLOCK_READS) {
            RunResult result = byName.get(name);
            if (result == null) {
                continue;
            }
            Result<?> primary = result.getPrimaryResult();
            md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f ± %.2f | %.2f× |%n", name, median(result),
                primary.getScore(), primary.getScoreError(), median(result) / function));
        }
        double millis = median(byName.get("clockCurrentTimeMillis"));
        md.append(String.format(Locale.ROOT, "%nGoogle's call minus ours (decorateFunction): %.2f ns, of which one "
                + "System.currentTimeMillis() read (what Google reads per call) is %.2f ns (%.0f%%).%n%n",
            google - function, millis, 100 * millis / (google - function)));
        return md.toString();
    }

    /** The median of every measured iteration over all forks: a burst of load on a shared machine moves it less. */
    private static double median(RunResult result) {
        if (result == null) {
            return Double.NaN;
        }
        double[] scores = result.getBenchmarkResults().stream()
            .flatMap(fork -> fork.getIterationResults().stream())
            .mapToDouble(iteration -> iteration.getPrimaryResult().getScore())
            .toArray();
        return Harness.median(scores);
    }

    private static String harness() throws InterruptedException {
        StringBuilder md = new StringBuilder();
        md.append("## Storm (harness; refresh takes ").append(Harness.STORM_REFRESH.toMillis()).append(" ms; per ")
            .append("subject ").append(Harness.WARMUP_CALLS).append(" valid-path calls and ").append(STORM_WARMUPS)
            .append(" untimed storms, then ").append(STORM_REPETITIONS)
            .append(" measured storms, subjects interleaved)\n\n")
            .append("Latencies in ms, pooled over all measured storms of a subject (repetitions × threads calls). "
                + "From the gate = a caller's return minus the gate opening (what a caller feels). Beyond the "
                + "refresh = a caller's return minus the end of the refresh. Per-storm p99 = the p99 from the gate "
                + "of each single storm: median (lowest–highest), the spread between storms.\n\n")
            .append("| library | threads | refreshes (median, min–max) | p50 from gate | p99 from gate "
                + "| max from gate | per-storm p99 from gate | p50 beyond | p99 beyond | max beyond "
                + "| p99 from gate ÷ ours |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int threads : new int[] {64, 512}) {
            List<Harness.StormResult> results = Harness.storms(threads, STORM_WARMUPS, STORM_REPETITIONS);
            double ours = results.get(Harness.StormSubject.OURS.ordinal()).fromGate().p99();
            for (Harness.StormResult r : results) {
                System.out.println("storm " + r.subject() + " x" + threads + ": " + r);
                md.append(String.format(Locale.ROOT,
                    "| %s | %d | %.0f (%d–%d) | %.2f | %.2f | %.2f | %.2f (%.2f–%.2f) | %.2f | %.2f | %.2f | %.2f× |%n",
                    r.subject().label, r.threads(), r.refreshesMedian(), r.refreshesMin(), r.refreshesMax(),
                    r.fromGate().p50(), r.fromGate().p99(), r.fromGate().max(), r.repetitionP99Median(),
                    r.repetitionP99Min(),
                    r.repetitionP99Max(), r.beyond().p50(), r.beyond().p99(), r.beyond().max(),
                    r.fromGate().p99() / ours));
            }
        }

        md.append("\n## Stagger (harness; ").append(STAGGER_WARMUPS).append(" untimed and ")
            .append(STAGGER_REPETITIONS).append(" measured repetitions per subject and spread, interleaved; ")
            .append(Harness.STAGGER_CALLS).append(" calls with one token, 401s spread evenly, refresh takes ")
            .append(Harness.STAGGER_REFRESH.toMillis()).append(" ms)\n\n")
            .append("| client | 401s spread over | spread ÷ refresh time | refreshes per burst (median, min–max) "
                + "| ÷ ours |\n|---|---:|---:|---:|---:|\n");
        for (Duration spread : Harness.STAGGER_SPREADS) {
            List<Harness.StaggerResult> staggers = Harness.staggers(spread, STAGGER_WARMUPS, STAGGER_REPETITIONS);
            double ourRefreshes = staggers.get(Harness.StaggerSubject.OURS.ordinal()).refreshesMedian();
            for (Harness.StaggerResult r : staggers) {
                System.out.println("stagger " + r.subject() + " " + spread.toMillis() + " ms: " + r);
                md.append(String.format(Locale.ROOT, "| %s | %d ms | %d | %.0f (%d–%d) | %.1f× |%n",
                    r.subject().label, spread.toMillis(), spread.toMillis() / Harness.STAGGER_REFRESH.toMillis(),
                    r.refreshesMedian(), r.refreshesMin(), r.refreshesMax(), r.refreshesMedian() / ourRefreshes));
            }
        }

        Harness.AsyncResult async = Harness.asyncWaiters(ASYNC_WARMUPS, ASYNC_REPETITIONS);
        System.out.println("async: " + async);
        md.append("\n## Async waiters (harness; ").append(ASYNC_WARMUPS).append(" untimed and ")
            .append(ASYNC_REPETITIONS).append(" measured repetitions, medians)\n\n")
            .append("| figure | value |\n|---|---:|\n")
            .append(String.format(Locale.ROOT, "| calls waiting on one refresh (metrics gauge) | %,d |%n",
                async.waitingCalls()))
            .append(String.format(Locale.ROOT, "| live heap per waiting call, after full GC | %.0f B |%n",
                async.retainedBytesPerWaiter()))
            .append(String.format(Locale.ROOT, "| allocated per call while issuing | %.0f B |%n",
                async.allocatedBytesPerCall()))
            .append(String.format(Locale.ROOT, "| threads added while they wait | %.0f |%n", async.threadsAdded()))
            .append(String.format(Locale.ROOT, "| time to complete all after the refresh returns | %.1f ms |%n",
                async.releaseMillis()))
            .append('\n');
        return md.toString();
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** The kernel's clock source: what a clock read costs depends on it (tsc is fast, the others are not). */
    private static String clockSource() {
        try {
            return Files.readString(Path.of("/sys/devices/system/clocksource/clocksource0/current_clocksource"))
                .trim();
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static Path reportPath() {
        try {
            Path jar = Path.of(RunAll.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = Files.isDirectory(jar) ? jar : jar.getParent();
            return dir.resolve("benchmarks-report.md");
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("benchmarks-report.md");
        }
    }
}
