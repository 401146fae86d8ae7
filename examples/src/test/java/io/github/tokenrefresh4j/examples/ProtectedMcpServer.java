package io.github.tokenrefresh4j.examples;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.github.tokenrefresh4j.mcp.BearerMcpServer;

import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An MCP server made with the SDK's own Streamable HTTP server transport (the mcp module's {@link BearerMcpServer},
 * one tool, {@code echo}) behind a resource server's bearer check: a JWT signed with the authorization server's keys
 * (its JWKS), of its issuer, unexpired, whose audience is this server's resource URI ({@link #resource()}, RFC 8707);
 * anything else gets {@code 401} with {@code Bearer error="invalid_token"}. {@link #expireOnNext} expires the token
 * of the next requests while they are all held at the check together.
 */
final class ProtectedMcpServer implements AutoCloseable {

    /** Tokens this server expired ahead of their {@code exp}: the test cannot wait an hour. */
    private final Set<String> expired = ConcurrentHashMap.newKeySet();
    /** The audience of every token that passed the check. */
    final List<List<String>> acceptedAudiences = new CopyOnWriteArrayList<>();
    private final AtomicReference<CountDownLatch> gate = new AtomicReference<>();
    private final DefaultJWTProcessor<SecurityContext> jwts = new DefaultJWTProcessor<>();
    private final BearerMcpServer server;

    /**
     * @param issuer  the issuer every token must name
     * @param jwksUri where the authorization server publishes its signing keys
     */
    ProtectedMcpServer(URI issuer, URI jwksUri) throws Exception {
        server = new BearerMcpServer(this::accepts);
        jwts.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256,
            JWKSourceBuilder.<SecurityContext>create(jwksUri.toURL()).build()));
        jwts.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(resource().toString(),
            new JWTClaimsSet.Builder().issuer(issuer.toString()).build(), Set.of("exp", "iat")));
    }

    /** The base URL the client is given. */
    String url() {
        return server.url();
    }

    /** The resource URI a token must be issued for: the MCP endpoint. */
    URI resource() {
        return URI.create(url() + "/mcp");
    }

    int rejections() {
        return server.rejections();
    }

    int toolCalls() {
        return server.toolCalls();
    }

    /**
     * Holds the next {@code requests} POSTs at the bearer check until all of them have arrived, then expires the
     * tokens they carry, so that the check rejects them: that many tool calls on one expired token, at once.
     */
    void expireOnNext(int requests) {
        gate.set(new CountDownLatch(requests));
    }

    private boolean accepts(String method, String token) {
        CountDownLatch held = "POST".equals(method) ? gate.get() : null;
        if (held != null) {
            held.countDown();
            try {
                if (!held.await(60, TimeUnit.SECONDS)) {
                    return false; // the test fails on its own count of rejections
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            gate.compareAndSet(held, null);
            expired.add(token);
        }
        if (expired.contains(token)) {
            return false;
        }
        try {
            acceptedAudiences.add(jwts.process(token, null).getAudience());
            return true;
        } catch (Exception invalid) {
            return false;
        }
    }

    @Override
    public void close() throws Exception {
        CountDownLatch held = gate.getAndSet(null);
        while (held != null && held.getCount() > 0) {
            held.countDown();
        }
        server.close();
    }
}
