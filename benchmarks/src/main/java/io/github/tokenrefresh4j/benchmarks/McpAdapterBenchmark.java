package io.github.tokenrefresh4j.benchmarks;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.mcp.TokenRefreshMcpTransport;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.customizer.McpAsyncHttpClientRequestCustomizer;
import io.modelcontextprotocol.client.transport.customizer.McpSyncHttpClientRequestCustomizer;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
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
import reactor.core.publisher.Mono;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One MCP tool call ({@code McpSyncClient.callTool}) over the Streamable HTTP transport to the SDK's own server
 * transport in an embedded Tomcat on 127.0.0.1, with a valid token: bare (a fixed {@code Authorization} header set
 * by a synchronous request customizer) and through {@link TokenRefreshMcpTransport#configure}. A tool call takes
 * milliseconds, so the adapter's own work per request (its asynchronous customizer, read to the end) is also
 * measured alone, beside the SDK's adapter of the bare synchronous customizer.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar org.openjdk.jmh.Main 'GrpcAdapter|McpAdapter' -prof gc
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class McpAdapterBenchmark {

    private static final McpSchema.CallToolRequest ECHO = new McpSchema.CallToolRequest("echo", Map.of("text", "a"));

    private Tomcat tomcat;
    private Path baseDir;
    private McpSyncServer server;
    private McpSyncClient bare;
    private McpSyncClient adapted;
    private McpAsyncHttpClientRequestCustomizer bareCustomizer;
    private McpAsyncHttpClientRequestCustomizer adaptedCustomizer;
    private URI endpoint;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
            .mcpEndpoint("/mcp").build();
        server = McpServer.sync(transport)
            .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
            .tools(McpServerFeatures.SyncToolSpecification.builder()
                .tool(McpSchema.Tool.builder().name("echo").inputSchema(Map.of("type", "object")).build())
                .callHandler((exchange, request) -> McpSchema.CallToolResult.builder().addTextContent("a").build())
                .build())
            .build();
        baseDir = Files.createTempDirectory("mcp-bench");
        tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", baseDir.toString());
        Tomcat.addServlet(context, "mcp", transport).setAsyncSupported(true);
        context.addServletMappingDecoded("/*", "mcp");
        tomcat.start();
        String url = "http://127.0.0.1:" + connector.getLocalPort();

        McpSyncHttpClientRequestCustomizer fixedHeader =
            (builder, method, uri, body, ctx) -> builder.setHeader("Authorization", "Bearer raw");
        bare = McpClient.sync(HttpClientStreamableHttpTransport.builder(url).endpoint("/mcp")
            .addHttpRequestCustomizer(fixedHeader)
            .build()).build();
        bare.initialize();

        AccessToken token = AccessToken.of("raw", Instant.now().plus(Subjects.ONE_HOUR));
        TokenRefreshDecorator tokens = TokenRefreshMcpTransport.decorator("benchmark", current -> token);
        tokens.executeFunction(AccessToken::value); // the first token, so that the measured calls find it valid
        adapted = McpClient.sync(TokenRefreshMcpTransport.configure(
            HttpClientStreamableHttpTransport.builder(url).endpoint("/mcp"), tokens).build()).build();
        adapted.initialize();

        endpoint = URI.create(url + "/mcp");
        bareCustomizer = McpAsyncHttpClientRequestCustomizer.fromSync(fixedHeader);
        adaptedCustomizer = TokenRefreshMcpTransport.requestCustomizer(tokens);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        bare.close();
        adapted.close();
        server.close();
        tomcat.stop();
        tomcat.destroy();
        try (var files = Files.walk(baseDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** The baseline: a tool call with a fixed bearer header. */
    @Benchmark
    public Object bareToolCall() {
        return bare.callTool(ECHO);
    }

    /** The tool call with the adapter's customizer and authorization error handler. */
    @Benchmark
    public Object adaptedToolCall() {
        return adapted.callTool(ECHO);
    }

    /** The bare customizer alone, as the transport calls it for each request. */
    @Benchmark
    public HttpRequest.Builder bareCustomizer() {
        return Mono.from(bareCustomizer.customize(HttpRequest.newBuilder(endpoint), "POST", endpoint, "{}",
            McpTransportContext.EMPTY)).block();
    }

    /** The adapter's customizer alone: the decorator's token, set as the header. */
    @Benchmark
    public HttpRequest.Builder adaptedCustomizer() {
        return Mono.from(adaptedCustomizer.customize(HttpRequest.newBuilder(endpoint), "POST", endpoint, "{}",
            McpTransportContext.EMPTY)).block();
    }
}
