package io.github.tokenrefresh4j.mcp;

import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletSseServerTransportProvider;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An MCP server made with the SDK's own server side ({@link HttpServletStreamableServerTransportProvider}, or
 * {@link HttpServletSseServerTransportProvider}, in an embedded Tomcat on 127.0.0.1) with one tool, {@code echo},
 * behind a bearer check that accepts only the tokens in {@link #valid}, or those a {@link TokenCheck} accepts, and answers
 * others {@code 401} with {@code Bearer error="invalid_token"}. After {@link #holdNext()} the next request is held
 * before its token is checked, until {@link #release()}. Public, in this module's test-jar, for the examples' run of
 * docs/mcp.md against a JWT check.
 */
public final class BearerMcpServer implements AutoCloseable {

    /** Decides whether a request's bearer token is accepted; may block, as a server holding requests does. */
    @FunctionalInterface
    public interface TokenCheck {
        /**
         * @param method the request's HTTP method
         * @param token  the bearer token it carries
         * @return whether the request goes on to the MCP server
         */
        boolean accepts(String method, String token);
    }

    final Set<String> valid = ConcurrentHashMap.newKeySet();
    /** The Authorization header of every request, in arrival order. */
    final List<String> seen = new CopyOnWriteArrayList<>();
    final AtomicInteger rejections = new AtomicInteger();
    final AtomicInteger toolCalls = new AtomicInteger();
    final CountDownLatch heldArrived = new CountDownLatch(1);

    private final CountDownLatch heldRelease = new CountDownLatch(1);
    private final AtomicBoolean hold = new AtomicBoolean();
    private final TokenCheck check;
    private final Tomcat tomcat = new Tomcat();
    private final McpSyncServer mcp;
    private final Path baseDir;
    private final int port;

    /** The Streamable HTTP server transport, at {@code /mcp}. */
    BearerMcpServer() throws IOException, LifecycleException {
        this(false);
    }

    /**
     * The Streamable HTTP server transport, at {@code /mcp}, behind {@code check} instead of {@link #valid}.
     *
     * @param check accepts or rejects each request's bearer token
     */
    public BearerMcpServer(TokenCheck check) throws IOException, LifecycleException {
        this(false, check);
    }

    /**
     * @param sse the deprecated HTTP+SSE server transport ({@code /sse}, messages to {@code /mcp/message}) instead of
     *            the Streamable HTTP one
     */
    BearerMcpServer(boolean sse) throws IOException, LifecycleException {
        this(sse, null);
    }

    private BearerMcpServer(boolean sse, TokenCheck check) throws IOException, LifecycleException {
        this.check = check != null ? check : (method, token) -> valid.contains(token);
        McpServerFeatures.SyncToolSpecification echo = McpServerFeatures.SyncToolSpecification.builder()
            .tool(McpSchema.Tool.builder().name("echo").description("echoes its text")
                .inputSchema(Map.of("type", "object", "properties", Map.of("text", Map.of("type", "string"))))
                .build())
            .callHandler((exchange, request) -> {
                toolCalls.incrementAndGet();
                return McpSchema.CallToolResult.builder()
                    .addTextContent("echo " + request.arguments().get("text"))
                    .build();
            })
            .build();
        McpSchema.ServerCapabilities capabilities = McpSchema.ServerCapabilities.builder().tools(true).build();
        HttpServlet transport;
        if (sse) {
            HttpServletSseServerTransportProvider provider = HttpServletSseServerTransportProvider.builder()
                .messageEndpoint("/mcp/message").sseEndpoint("/sse").build();
            mcp = McpServer.sync(provider).serverInfo("bearer-test", "1.0").capabilities(capabilities).tools(echo)
                .build();
            transport = provider;
        } else {
            HttpServletStreamableServerTransportProvider provider = HttpServletStreamableServerTransportProvider
                .builder().mcpEndpoint("/mcp").build();
            mcp = McpServer.sync(provider).serverInfo("bearer-test", "1.0").capabilities(capabilities).tools(echo)
                .build();
            transport = provider;
        }

        baseDir = Files.createTempDirectory("mcp-tomcat");
        tomcat.setBaseDir(baseDir.toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        tomcat.getService().addConnector(connector);
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", baseDir.toString());
        Tomcat.addServlet(context, "mcp", new BearerCheck(transport)).setAsyncSupported(true);
        context.addServletMappingDecoded("/*", "mcp");
        tomcat.start();
        port = connector.getLocalPort();
    }

    /** @return the base URL, such as {@code http://127.0.0.1:8080}; the Streamable HTTP endpoint is {@code /mcp} */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    void holdNext() {
        hold.set(true);
    }

    void release() {
        heldRelease.countDown();
    }

    long count(String authorization) {
        return seen.stream().filter(authorization::equals).count();
    }

    /** @return how many tool calls reached the tool */
    public int toolCalls() {
        return toolCalls.get();
    }

    /** @return how many requests the bearer check rejected */
    public int rejections() {
        return rejections.get();
    }

    @Override
    public void close() throws Exception {
        heldRelease.countDown();
        mcp.close();
        tomcat.stop();
        tomcat.destroy();
        try (var files = Files.walk(baseDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private final class BearerCheck extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @SuppressWarnings("serial")
        private final HttpServlet mcpServlet;

        BearerCheck(HttpServlet mcpServlet) {
            this.mcpServlet = mcpServlet;
        }

        @Override
        public void init() throws ServletException {
            mcpServlet.init(getServletConfig());
        }

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
            String authorization = request.getHeader("Authorization");
            seen.add(String.valueOf(authorization));
            if (hold.compareAndSet(true, false)) {
                heldArrived.countDown();
                try {
                    heldRelease.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (authorization == null || !authorization.startsWith("Bearer ")
                || !check.accepts(request.getMethod(), authorization.substring("Bearer ".length()))) {
                rejections.incrementAndGet();
                response.setStatus(401);
                response.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
                return;
            }
            mcpServlet.service(request, response);
        }
    }
}
