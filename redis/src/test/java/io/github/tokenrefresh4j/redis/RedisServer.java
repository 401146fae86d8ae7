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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real redis-server for one test class: on a free loopback port, persistence off, in a temporary folder. It can
 * be stopped and started again on the same port, and {@link #close()} always kills it.
 */
final class RedisServer implements AutoCloseable {

    private final int port;
    private final boolean tls;
    private final List<String> extraArgs;
    private final Path dir;
    private Process process;

    private RedisServer(int port, boolean tls, List<String> extraArgs) throws IOException {
        this.port = port;
        this.tls = tls;
        this.extraArgs = extraArgs;
        this.dir = Files.createTempDirectory("redis-test");
    }

    static RedisServer start(String... extraArgs) throws Exception {
        return start(false, extraArgs);
    }

    /** A server that speaks only TLS on its port; {@code extraArgs} name the certificate and key files. */
    static RedisServer startTls(String... extraArgs) throws Exception {
        return start(true, extraArgs);
    }

    private static RedisServer start(boolean tls, String... extraArgs) throws Exception {
        RedisServer server = new RedisServer(freePort(), tls, List.of(extraArgs));
        try {
            server.startAgain();
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
        return server;
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
        List<String> command = new ArrayList<>(List.of("redis-server",
            "--port", tls ? "0" : Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--dir", dir.toString(), "--logfile", ""));
        if (tls) {
            command.addAll(List.of("--tls-port", Integer.toString(port), "--tls-auth-clients", "no"));
        }
        command.addAll(extraArgs);
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CountDownLatch ready = new CountDownLatch(1);
        StringBuilder output = new StringBuilder();
        Process started = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                    if (line.contains("Ready to accept connections")) {
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
}
