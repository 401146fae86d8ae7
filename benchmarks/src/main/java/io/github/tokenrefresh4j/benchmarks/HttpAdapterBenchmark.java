package io.github.tokenrefresh4j.benchmarks;

import com.sun.net.httpserver.HttpServer;
import feign.Client;
import feign.Feign;
import feign.Request;
import feign.RequestLine;
import feign.Response;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.feign.TokenRefreshCapability;
import io.github.tokenrefresh4j.httpclient5.TokenRefreshAsyncExecChainHandler;
import io.github.tokenrefresh4j.httpclient5.TokenRefreshExecChainHandler;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.async.AsyncExecCallback;
import org.apache.hc.client5.http.async.AsyncExecChain;
import org.apache.hc.client5.http.async.AsyncExecRuntime;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecRuntime;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.concurrent.ComplexCancellable;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.message.BasicHttpResponse;
import org.apache.hc.core5.http.nio.AsyncDataConsumer;
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
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * What each HTTP adapter adds per request, with a token valid for an hour (no refresh happens during a run), in two
 * ways. Over loopback ({@code classic*}, {@code async*}, {@code feign*}): one GET to a JDK {@code HttpServer} that
 * answers 200 with two bytes, through each client bare and with its adapter; the network makes these noisy. In
 * process ({@code *Chain*}, {@code feignClient*}): the adapter's own work alone (attaching the token, copying the
 * request, the decorator, judging the response) against a chain or client that answers 200 at once, beside that
 * chain or client called directly. The
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

    private ExecChain.Scope classicScope;
    private ClassicHttpRequest classicRequest;
    private ExecChain classicChain;
    private TokenRefreshExecChainHandler classicHandler;
    private HttpRequest asyncRequest;
    private AsyncExecChain asyncChain;
    private TokenRefreshAsyncExecChainHandler asyncHandler;
    private HttpRoute route;
    private AsyncExecRuntime asyncRuntime;
    private Request feignRequest;
    private Request.Options feignOptions;
    private Client feignStub;
    private Client feignStubWithCapability;

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
        route = new HttpRoute(new HttpHost("127.0.0.1", server.getAddress().getPort()));
        classicRequest = new BasicClassicHttpRequest("GET", "/orders");
        classicScope = new ExecChain.Scope("ex-1", route, classicRequest, unused(ExecRuntime.class),
            HttpClientContext.create());
        classicChain = (request, scope) -> new BasicClassicHttpResponse(200);
        classicHandler = new TokenRefreshExecChainHandler(httpClientTokens);
        asyncRequest = new BasicHttpRequest("GET", "/orders");
        asyncRuntime = unused(AsyncExecRuntime.class);
        HttpResponse ok200 = new BasicHttpResponse(200);
        asyncChain = (request, entityProducer, scope, callback) -> {
            callback.handleResponse(ok200, null);
            callback.completed();
        };
        asyncHandler = new TokenRefreshAsyncExecChainHandler(httpClientTokens);
        feignRequest = Request.create(Request.HttpMethod.GET, uri + "/orders", Map.of(), null,
            StandardCharsets.UTF_8, null);
        feignOptions = new Request.Options();
        feignStub = (request, options) -> Response.builder().status(200).request(request).headers(Map.of()).build();
        feignStubWithCapability = new TokenRefreshCapability(feignTokens).enrich(feignStub);

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

    @Benchmark
    public ClassicHttpResponse classicChainBare() throws IOException, HttpException {
        return classicChain.proceed(classicRequest, classicScope);
    }

    @Benchmark
    public ClassicHttpResponse classicChainWithHandler() throws IOException, HttpException {
        return classicHandler.execute(classicRequest, classicScope, classicChain);
    }

    @Benchmark
    public boolean asyncChainBare() throws IOException, HttpException {
        Completion completion = new Completion();
        asyncChain.proceed(asyncRequest, null, asyncScope(), completion);
        return completion.completed;
    }

    @Benchmark
    public boolean asyncChainWithHandler() throws IOException, HttpException {
        Completion completion = new Completion();
        asyncHandler.execute(asyncRequest, null, asyncScope(), asyncChain, completion);
        return completion.completed;
    }

    @Benchmark
    public Response feignClientBare() throws IOException {
        return feignStub.execute(feignRequest, feignOptions);
    }

    @Benchmark
    public Response feignClientWithCapability() throws IOException {
        return feignStubWithCapability.execute(feignRequest, feignOptions);
    }

    /** A scope per request, as the async client makes one, with its own cancellable. */
    private AsyncExecChain.Scope asyncScope() {
        return new AsyncExecChain.Scope("ex-1", route, asyncRequest, new ComplexCancellable(),
            HttpClientContext.create(), asyncRuntime);
    }

    /** A runtime for the in-process chains, which only ask whether the request was cancelled (it never is). */
    private static <T> T unused(Class<T> type) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            if (method.getReturnType() == boolean.class) {
                return false;
            }
            throw new UnsupportedOperationException(method.getName());
        }));
    }

    /** The caller's end of an async exchange, in process. */
    private static final class Completion implements AsyncExecCallback {
        boolean completed;

        @Override
        public AsyncDataConsumer handleResponse(HttpResponse response, EntityDetails entityDetails) {
            return null;
        }

        @Override
        public void handleInformationResponse(HttpResponse response) {
        }

        @Override
        public void completed() {
            completed = true;
        }

        @Override
        public void failed(Exception cause) {
            throw new IllegalStateException(cause);
        }
    }

    private String classic(CloseableHttpClient client) throws IOException {
        return client.execute(new HttpGet(uri + "/orders"), response -> EntityUtils.toString(response.getEntity()));
    }

    private String async(CloseableHttpAsyncClient client) throws ExecutionException, InterruptedException {
        SimpleHttpResponse response = client.execute(SimpleRequestBuilder.get(uri + "/orders").build(), null).get();
        return response.getBodyText();
    }
}
