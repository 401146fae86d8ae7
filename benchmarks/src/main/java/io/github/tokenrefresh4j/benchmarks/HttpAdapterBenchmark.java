package io.github.tokenrefresh4j.benchmarks;

import com.sun.net.httpserver.HttpServer;
import feign.Feign;
import feign.RequestLine;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.feign.TokenRefreshCapability;
import io.github.tokenrefresh4j.httpclient5.TokenRefreshAsyncExecChainHandler;
import io.github.tokenrefresh4j.httpclient5.TokenRefreshExecChainHandler;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.io.CloseMode;
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

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One GET over loopback to a JDK {@code HttpServer} that answers 200 with two bytes, through each client bare and
 * with its adapter, with a token valid for an hour (no refresh happens during a run): the difference is what the
 * adapter adds per request (attaching the token, copying the request, the decorator, judging the response). The
 * server sets TCP_NODELAY ({@code sun.net.httpserver.nodelay}): without it, the JDK server's separate writes of head
 * and body meet the client's delayed ACK and the async client's requests take 40 ms each.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar org.openjdk.jmh.Main HttpAdapter -prof gc
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 6, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dsun.net.httpserver.nodelay=true"})
public class HttpAdapterBenchmark {

    /** A Feign interface for the one endpoint. */
    public interface Api {
        @RequestLine("GET /orders")
        String orders();
    }

    private HttpServer server;
    private ExecutorService serverThreads;
    private String uri;
    private CloseableHttpClient classicBare;
    private CloseableHttpClient classicWithHandler;
    private CloseableHttpAsyncClient asyncBare;
    private CloseableHttpAsyncClient asyncWithHandler;
    private Api feignBare;
    private Api feignWithCapability;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        serverThreads = Executors.newFixedThreadPool(2);
        server.setExecutor(serverThreads);
        byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, ok.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(ok);
            }
        });
        server.start();
        uri = "http://127.0.0.1:" + server.getAddress().getPort();

        AccessToken token = AccessToken.of("raw", Instant.now().plus(Subjects.ONE_HOUR));
        TokenRefreshDecorator httpClientTokens = TokenRefreshExecChainHandler.decorator("benchmark", current -> token);
        TokenRefreshDecorator feignTokens = TokenRefreshCapability.decorator("benchmark", current -> token);

        classicBare = HttpClients.createDefault();
        classicWithHandler = HttpClients.custom()
            .addExecInterceptorFirst(TokenRefreshExecChainHandler.NAME,
                new TokenRefreshExecChainHandler(httpClientTokens))
            .build();
        asyncBare = HttpAsyncClients.createDefault();
        asyncBare.start();
        asyncWithHandler = HttpAsyncClients.custom()
            .addExecInterceptorFirst(TokenRefreshExecChainHandler.NAME,
                new TokenRefreshAsyncExecChainHandler(httpClientTokens))
            .build();
        asyncWithHandler.start();
        feignBare = Feign.builder().target(Api.class, uri);
        feignWithCapability = Feign.builder()
            .addCapability(new TokenRefreshCapability(feignTokens))
            .target(Api.class, uri);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        classicBare.close();
        classicWithHandler.close();
        asyncBare.close(CloseMode.IMMEDIATE);
        asyncWithHandler.close(CloseMode.IMMEDIATE);
        server.stop(0);
        serverThreads.shutdownNow();
    }

    @Benchmark
    public String classicBare() throws IOException {
        return classic(classicBare);
    }

    @Benchmark
    public String classicWithHandler() throws IOException {
        return classic(classicWithHandler);
    }

    @Benchmark
    public String asyncBare() throws ExecutionException, InterruptedException {
        return async(asyncBare);
    }

    @Benchmark
    public String asyncWithHandler() throws ExecutionException, InterruptedException {
        return async(asyncWithHandler);
    }

    @Benchmark
    public String feignBare() {
        return feignBare.orders();
    }

    @Benchmark
    public String feignWithCapability() {
        return feignWithCapability.orders();
    }

    private String classic(CloseableHttpClient client) throws IOException {
        return client.execute(new HttpGet(uri + "/orders"), response -> EntityUtils.toString(response.getEntity()));
    }

    private String async(CloseableHttpAsyncClient client) throws ExecutionException, InterruptedException {
        SimpleHttpResponse response = client.execute(SimpleRequestBuilder.get(uri + "/orders").build(), null).get();
        return response.getBodyText();
    }
}
