package io.github.tokenrefresh4j.redis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real redis-server for one test class: on a free loopback port, persistence off, in a temporary folder. It can
 * be stopped and started again on the same port, and {@link #close()} always kills it.
 *
 * <p>The binary is the {@code redis-server} on the PATH, or, when there is none, the one that
 * {@code com.github.codemonstur:embedded-redis} ships (Redis 6.2, Linux and macOS), so the tests run on a machine
 * with only a JDK and Maven and are never skipped. {@code -Dredis.server=embedded} forces the shipped binary,
 * {@code -Dredis.server=/path/to/redis-server} names one. The choice is printed once.
 */
final class RedisServer implements AutoCloseable {

    private static final String EXECUTABLE = executable();

    private final int port;
    private final boolean tls;
    private final List<String> extraArgs;
    private final Path dir;
    private Path sentinelConfig;
    private Process process;

    private RedisServer(int port, boolean tls, List<String> extraArgs) throws IOException {
        this.port = port;
        this.tls = tls;
        this.extraArgs = extraArgs;
        this.dir = Files.createTempDirectory("redis-test");
        // a test JVM that is killed must not leave its servers behind
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "redis-server-" + port + "-stop"));
    }

    static RedisServer start(String... extraArgs) throws Exception {
        return start(false, extraArgs);
    }

    /** A server that speaks only TLS on its port; {@code extraArgs} name the certificate and key files. */
    static RedisServer startTls(String... extraArgs) throws Exception {
        return start(true, extraArgs);
    }

    private static RedisServer start(boolean tls, String... extraArgs) throws Exception {
        return started(new RedisServer(freePort(), tls, List.of(extraArgs)));
    }

    /** Starts {@code server}, or cleans it up if it does not start. */
    private static RedisServer started(RedisServer server) throws Exception {
        try {
            server.startAgain();
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** A node of a Redis Cluster: its cluster bus listens on port + 10000, which must be free too. */
    static RedisServer startClusterNode() throws Exception {
        for (int attempt = 0; ; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 30_000);
            if (free(port) && free(port + 10_000)) {
                RedisServer server = new RedisServer(port, false, List.of("--cluster-enabled", "yes",
                    "--cluster-config-file", "nodes-" + port + ".conf", "--cluster-node-timeout", "5000"));
                try {
                    return started(server);
                } catch (Exception | Error e) {
                    // the ports were taken between the check and the start
                    if (attempt >= 5) {
                        throw e;
                    }
                }
            }
        }
    }

    /** A Sentinel watching the master on {@code masterPort} under the name {@code masterName}, with quorum 1. */
    static RedisServer startSentinel(int masterPort, String masterName) throws Exception {
        // no failover while a loaded machine starves the master for a few seconds: these tests are not about it
        return startSentinel(masterPort, masterName, 60_000);
    }

    /** As {@link #startSentinel(int, String)}, failing over a master that did not answer for {@code downAfterMillis}. */
    static RedisServer startSentinel(int masterPort, String masterName, long downAfterMillis) throws Exception {
        RedisServer server = new RedisServer(freePort(), false, List.of());
        Path config = server.dir.resolve("sentinel.conf");
        Files.writeString(config, "port " + server.port + "\nbind 127.0.0.1\ndir " + server.dir + "\n"
            + "sentinel monitor " + masterName + " 127.0.0.1 " + masterPort + " 1\n"
            + "sentinel down-after-milliseconds " + masterName + " " + downAfterMillis + "\n"
            + "sentinel failover-timeout " + masterName + " 10000\n", StandardCharsets.UTF_8);
        server.sentinelConfig = config;
        return started(server);
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    int port() {
        return port;
    }

    String uri() {
        return (tls ? "rediss" : "redis") + "://127.0.0.1:" + port;
    }

    Path dir() {
        return dir;
    }

    /** Starts redis-server on this server's port and waits until it accepts connections. */
    synchronized void startAgain() throws Exception {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        if (sentinelConfig != null) {
            process = new ProcessBuilder(EXECUTABLE, sentinelConfig.toString(), "--sentinel")
                .directory(dir.toFile()).redirectErrorStream(true).start();
            awaitReady(process, "Sentinel ID is");
            return;
        }
        List<String> command = new ArrayList<>(List.of(EXECUTABLE,
            "--port", tls ? "0" : Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--dir", dir.toString(), "--logfile", ""));
        if (tls) {
            command.addAll(List.of("--tls-port", Integer.toString(port), "--tls-auth-clients", "no"));
        }
        command.addAll(extraArgs);
        process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        awaitReady(process, "Ready to accept connections");
    }

    private void awaitReady(Process started, String readyLine) throws Exception {
        CountDownLatch ready = new CountDownLatch(1);
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                    if (line.contains(readyLine)) {
                        ready.countDown();
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "redis-server-" + port + "-output");
        reader.setDaemon(true);
        reader.start();
        if (!ready.await(15, TimeUnit.SECONDS)) {
            stop();
            synchronized (output) {
                throw new IllegalStateException("redis-server on port " + port + " did not start:\n" + output);
            }
        }
    }

    /** Freezes redis-server (SIGSTOP): connections stay open, and every command hangs until {@link #thaw()}. */
    synchronized void freeze() throws Exception {
        signal("-STOP");
    }

    /** Lets a frozen redis-server go on (SIGCONT). */
    synchronized void thaw() throws Exception {
        signal("-CONT");
    }

    private void signal(String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill " + signal + " " + process.pid() + " failed");
        }
    }

    /** Kills redis-server at once, as a crash or a network loss would look to clients. */
    synchronized void stop() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    @Override
    public void close() throws IOException {
        stop();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static String executable() {
        String chosen = System.getProperty("redis.server", "");
        String found = null;
        if (chosen.isEmpty() || "path".equals(chosen)) {
            for (String entry : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
                Path candidate = entry.isEmpty() ? null : Path.of(entry, "redis-server");
                if (candidate != null && Files.isExecutable(candidate)) {
                    found = candidate.toString();
                    break;
                }
            }
            if (found == null && "path".equals(chosen)) {
                throw new IllegalStateException("-Dredis.server=path, but no redis-server is on the PATH");
            }
        } else if (!"embedded".equals(chosen)) {
            found = chosen;
        }
        if (found == null) {
            try {
                java.io.File unpacked = redis.embedded.core.ExecutableProvider.newJarResourceProvider().get();
                // deleted in reverse order of registration: the file, then its folder
                unpacked.getParentFile().deleteOnExit();
                unpacked.deleteOnExit();
                found = unpacked.getAbsolutePath();
            } catch (IOException e) {
                throw new IllegalStateException("no redis-server on the PATH, and the one embedded-redis ships "
                    + "could not be unpacked", e);
            }
            System.err.println("[redis tests] using the redis-server shipped by embedded-redis: " + found);
        } else {
            System.err.println("[redis tests] using redis-server " + found);
        }
        return found;
    }
}
