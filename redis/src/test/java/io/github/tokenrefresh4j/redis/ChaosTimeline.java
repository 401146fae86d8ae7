package io.github.tokenrefresh4j.redis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** One scenario's timeline: every token request, every fault, in order, with ms since the start. */
final class ChaosTimeline {

    private final long start = System.nanoTime();
    private final List<String> lines = new CopyOnWriteArrayList<>();

    void add(String event) {
        lines.add(String.format("%7d ms  %s", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), event));
    }

    long elapsedMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    /** Writes the report under {@code target/chaos/}: the figures first, then the timeline. */
    Path write(String scenario, String figures, List<String> workerLines) throws IOException {
        Path dir = Path.of("target", "chaos");
        Files.createDirectories(dir);
        Path report = dir.resolve(scenario + ".txt");
        StringBuilder text = new StringBuilder("scenario ").append(scenario).append('\n').append(figures)
            .append("\n\ntimeline:\n");
        lines.forEach(line -> text.append(line).append('\n'));
        text.append("\nworker warnings:\n");
        workerLines.forEach(line -> text.append(line).append('\n'));
        Files.writeString(report, text, StandardCharsets.UTF_8);
        return report;
    }
}
