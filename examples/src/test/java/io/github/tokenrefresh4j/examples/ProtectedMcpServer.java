package io.github.tokenrefresh4j.examples;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
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
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * An MCP server made with the SDK's own Streamable HTTP server transport in an embedded Tomcat on 127.0.0.1, with
 * one tool, {@code echo}, behind a resource server's bearer check: a JWT signed by the authorization server's keys
 * (its JWKS), of its issuer, unexpired, whose audience is this server's resource URI ({@link #resource()}, RFC 8707);
 * anything else gets {@code 401} with {@code Bearer error="invalid_token"}. {@link #expireOnNext} makes the tokens of
 * the next requests expire while they are all held at the check together.
 */
final class ProtectedMcpServer implements AutoCloseable {

    /** Tokens this server has expired ahead of their {@code exp}: the test cannot wait an hour. */
    private final Set<String> expired = ConcurrentHashMap.newKeySet();
    /** The audience of every token that passed the check. */
    final List<List<String>> acceptedAudiences = new CopyOnWriteArrayList<>();
    final AtomicInteger rejections = new AtomicInteger();
    final AtomicInteger toolCalls = new AtomicInteger();
    private final AtomicReference<CountDownLatch> gate = new AtomicReference<>();
    private final DefaultJWTProcessor<SecurityContext> jwts = new DefaultJWTProcessor<>();
    private final Tomcat tomcat = new Tomcat();
    private final McpSyncServer mcp;
    private final Path baseDir;
    private final int port;

    /**
     * @param issuer  the issuer every token must name
     * @param jwksUri where the authorization server publishes its signing keys
     */
    ProtectedMcpServer(URI issuer, URI jwksUri) throws IOException, LifecycleException {
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
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider
            .builder().mcpEndpoint("/mcp").build();
        mcp = McpServer.sync(transport).serverInfo("tools", "1.0")
            .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build()).tools(echo).build();

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

        jwts.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256,
            JWKSourceBuilder.<SecurityContext>create(jwksUri.toURL()).build()));
        jwts.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(resource().toString(),
            new JWTClaimsSet.Builder().issuer(issuer.toString()).build(), Set.of("exp", "iat")));
    }

    /** The base URL the client is given. */
    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The resource URI a token must be issued for: the MCP endpoint. */
    URI resource() {
        return URI.create(url() + "/mcp");
    }

    /**
     * Holds the next {@code requests} POSTs at the bearer check until all of them have arrived, then expires the
     * tokens they carry and lets them through the check, which rejects them: that many tool calls on one expired
     * token, at once.
     */
    void expireOnNext(int requests) {
        gate.set(new CountDownLatch(requests));
    }

    @Override
    public void close() throws Exception {
        CountDownLatch held = gate.getAndSet(null);
        while (held != null && held.getCount() > 0) {
            held.countDown();
        }
        mcp.close();
        tomcat.stop();
        tomcat.destroy();
        try (Stream<Path> files = Files.walk(baseDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
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
            String token = authorization != null && authorization.startsWith("Bearer ")
                ? authorization.substring("Bearer ".length()) : null;
            CountDownLatch held = "POST".equals(request.getMethod()) ? gate.get() : null;
            if (held != null && token != null) {
                held.countDown();
                try {
                    if (!held.await(60, TimeUnit.SECONDS)) {
                        throw new ServletException("the held requests did not all arrive");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ServletException(e);
                }
                gate.compareAndSet(held, null);
                expired.add(token);
            }
            if (token == null) {
                response.setStatus(401);
                response.setHeader("WWW-Authenticate", "Bearer resource_metadata=\"" + url()
                    + "/.well-known/oauth-protected-resource\"");
                return;
            }
            JWTClaimsSet claims;
            try {
                if (expired.contains(token)) {
                    throw new IllegalStateException("expired");
                }
                claims = jwts.process(token, null);
            } catch (Exception invalid) {
                rejections.incrementAndGet();
                response.setStatus(401);
                response.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
                return;
            }
            acceptedAudiences.add(claims.getAudience());
            mcpServlet.service(request, response);
        }
    }
}
