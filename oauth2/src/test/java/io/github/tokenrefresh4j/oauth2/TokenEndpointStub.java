package io.github.tokenrefresh4j.oauth2;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.util.stream.Collectors;

/**
 * A token endpoint in this process (the JDK HttpServer on 127.0.0.1) that answers each request with the next
 * queued answer, and records what it received.
 */
final class TokenEndpointStub implements AutoCloseable {

    /** What the endpoint received. */
    record Received(String method, String path, String authorization, String body, String clientCertificate) {
        Map<String, String> form() {
            if (body.isEmpty()) {
                return Map.of();
            }
            return Arrays.stream(body.split("&")).map(pair -> pair.split("=", 2)).collect(Collectors.toMap(
                pair -> decode(pair[0]), pair -> pair.length > 1 ? decode(pair[1]) : ""));
        }

        private static String decode(String value) {
            return URLDecoder.decode(value, StandardCharsets.UTF_8);
        }
    }

    /**
     * One answer; {@code body} gets what was received, so that an answer can echo it. With a {@code gate}, the
     * answer waits until the gate opens.
     */
    record Answer(int status, Map<String, String> headers, Function<Received, String> body, CountDownLatch gate) {
        Answer(int status, Map<String, String> headers, Function<Received, String> body) {
            this(status, headers, body, null);
        }
    }

    private final HttpServer server;
    private final String scheme;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final BlockingQueue<Answer> answers = new LinkedBlockingQueue<>();
    /** Answers for one path, taken before the shared queue: for requests sent in parallel. */
    private final Map<String, BlockingQueue<Answer>> answersByPath = new java.util.concurrent.ConcurrentHashMap<>();
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    /** Released on close: an answer of status 0 holds its request until then, for the timeout tests. */
    private final CountDownLatch released = new CountDownLatch(1);

    TokenEndpointStub() throws IOException {
        this(null, false);
    }

    /**
     * Over TLS with {@code tls}, when not null; with {@code needClientAuth}, the handshake fails without a client
     * certificate the server trusts, and {@link Received#clientCertificate()} names the one presented.
     */
    TokenEndpointStub(SSLContext tls, boolean needClientAuth) throws IOException {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (tls == null) {
            server = HttpServer.create(address, 0);
        } else {
            HttpsServer https = HttpsServer.create(address, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls) {
                @Override
                public void configure(HttpsParameters parameters) {
                    SSLParameters ssl = tls.getDefaultSSLParameters();
                    ssl.setNeedClientAuth(needClientAuth);
                    parameters.setSSLParameters(ssl);
                }
            });
            server = https;
        }
        scheme = tls == null ? "http" : "https";
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    URI uri() {
        return base().resolve("/oauth2/token");
    }

    URI base() {
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    TokenEndpointStub json(int status, String json, String... headers) {
        return answer(status, "application/json", request -> json, headers);
    }

    TokenEndpointStub answer(int status, String contentType, Function<Received, String> body, String... headers) {
        return answer(null, status, contentType, body, headers);
    }

    /** The next request for {@code path} gets this JSON answer, once {@code gate} (if not null) opens. */
    TokenEndpointStub jsonAt(String path, CountDownLatch gate, int status, String json) {
        answersByPath.computeIfAbsent(path, p -> new LinkedBlockingQueue<>()).add(new Answer(status,
            Map.of("Content-Type", "application/json"), request -> json, gate));
        return this;
    }

    /** The next request gets this JSON answer once {@code gate} opens. */
    TokenEndpointStub jsonAfter(CountDownLatch gate, int status, String json) {
        return answer(gate, status, "application/json", request -> json);
    }

    private TokenEndpointStub answer(CountDownLatch gate, int status, String contentType,
                                     Function<Received, String> body, String... headers) {
        Map<String, String> all = new java.util.LinkedHashMap<>();
        all.put("Content-Type", contentType);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            all.put(headers[i], headers[i + 1]);
        }
        answers.add(new Answer(status, all, body, gate));
        return this;
    }

    /**
     * The next request gets a 200 with its headers and the first bytes of {@code json} at once, then nothing more
     * until {@link #close()}.
     */
    TokenEndpointStub stallAfterHeaders(String json) {
        answers.add(new Answer(-2, Map.of("Content-Type", "application/json"), request -> json));
        return this;
    }

    /** The next request gets no answer until {@link #close()}. */
    TokenEndpointStub hang() {
        answers.add(new Answer(0, Map.of(), request -> ""));
        return this;
    }

    /** The next request is read, then its connection closed without an answer. */
    TokenEndpointStub drop() {
        answers.add(new Answer(-1, Map.of(), request -> ""));
        return this;
    }

    Received take() throws InterruptedException {
        Received request = received.poll(30, TimeUnit.SECONDS);
        if (request == null) {
            throw new AssertionError("no request received within 30 s");
        }
        return request;
    }

    List<Received> drain() {
        List<Received> all = new java.util.ArrayList<>();
        received.drainTo(all);
        return all;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String certificate = null;
            if (exchange instanceof HttpsExchange) {
                try {
                    certificate = ((X509Certificate) ((HttpsExchange) exchange).getSSLSession()
                        .getPeerCertificates()[0]).getSubjectX500Principal().getName();
                } catch (SSLPeerUnverifiedException e) {
                    certificate = null;
                }
            }
            Received request = new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                exchange.getRequestHeaders().getFirst("Authorization"), body, certificate);
            // The answer is taken before the request shows in take(): a test that saw its request can queue
            // the next answer knowing this one is spoken for.
            BlockingQueue<Answer> forPath = answersByPath.get(request.path());
            Answer answer = forPath == null ? null : forPath.poll();
            if (answer == null) {
                answer = answers.poll();
            }
            received.add(request);
            if (answer == null) {
                answer = new Answer(500, Map.of("Content-Type", "text/plain"), r -> "no answer queued");
            }
            if (answer.gate() != null && !answer.gate().await(60, TimeUnit.SECONDS)) {
                return;
            }
            if (answer.status() == -1) {
                exchange.getResponseBody().close();
                return;
            }
            if (answer.status() == 0) {
                released.await(60, TimeUnit.SECONDS);
                return;
            }
            byte[] bytes = answer.body().apply(request).getBytes(StandardCharsets.UTF_8);
            answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            if (answer.status() == -2) {
                exchange.sendResponseHeaders(200, bytes.length);
                OutputStream out = exchange.getResponseBody();
                out.write(bytes, 0, 1);
                out.flush();
                released.await(60, TimeUnit.SECONDS);
                return;
            }
            exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
