package io.github.tokenrefresh4j.examples;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The demo's protected API on 127.0.0.1: {@code GET /orders} answers 200 to a valid bearer JWT. A JWT is valid when
 * its header's {@code typ} is {@code JWT} or {@code at+jwt} (RFC 9068 access tokens; {@code application/at+jwt}
 * too), its RS256 signature checks out against the authorization server's JWKS, its issuer and audience match, and
 * it has not expired by this server's clock, with no leeway.
 *
 * <p>Which answer for which failure matters to every client that refreshes on {@code invalid_token}:
 * <ul>
 *   <li>a token that is malformed, badly signed, of another type, issuer or audience, or expired: {@code 401} with
 *       {@code WWW-Authenticate: Bearer error="invalid_token"} (RFC 6750 §3.1). A new token helps;</li>
 *   <li>the signing keys cannot be fetched (the JWKS endpoint is down, or its fetches are rate-limited after a
 *       failure): {@code 503} with {@code Retry-After}. The fault is on the API's side and a new token would be
 *       checked against the same missing keys, so answering 401 here would turn a JWKS outage into a token-request
 *       storm from every client;</li>
 *   <li>no bearer token at all: {@code 401} with a bare {@code Bearer} challenge.</li>
 * </ul>
 * A share of requests gets a transient {@code 503}, so that Retry has work to do.
 */
final class ResourceServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ResourceServer.class.getName());
    /** The access-token types accepted in the JWT header: plain JWTs and RFC 9068 access tokens. */
    static final Set<JOSEObjectType> ACCEPTED_TYPES = Set.of(JOSEObjectType.JWT, new JOSEObjectType("at+jwt"),
        new JOSEObjectType("application/at+jwt"));
    /** Seconds a client should wait after a 503 for unavailable signing keys. */
    static final int KEYS_UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

    private final HttpServer server;
    private final ExecutorService handlers;
    private final DefaultJWTProcessor<SecurityContext> jwtProcessor = new DefaultJWTProcessor<>();
    private final double transientFailureRate;

    /**
     * @param port                 the port, 0 for an ephemeral one
     * @param issuer               the issuer every token must name
     * @param jwksUri              where the signing keys are published
     * @param clockSkew            how far this server's clock runs ahead of the authorization server's
     * @param transientFailureRate the share of requests answered with 503, from 0 to 1
     */
    ResourceServer(int port, URI issuer, URI jwksUri, Duration clockSkew, double transientFailureRate)
        throws IOException {
        if (transientFailureRate < 0 || transientFailureRate > 1) {
            throw new IllegalArgumentException(
                "transientFailureRate must be between 0 and 1, was " + transientFailureRate);
        }
        this.transientFailureRate = transientFailureRate;
        JWKSource<SecurityContext> keys = jwkSource(jwksUri);
        jwtProcessor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(ACCEPTED_TYPES));
        jwtProcessor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, keys));
        Clock clock = Clock.offset(Clock.systemUTC(), clockSkew);
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
            AuthorizationServer.AUDIENCE, new JWTClaimsSet.Builder().issuer(issuer.toString()).build(),
            Set.of("sub", "exp", "iat")) {
            @Override
            protected Date currentTime() {
                return Date.from(clock.instant());
            }
        };
        claims.setMaxClockSkew(0);
        jwtProcessor.setJWTClaimsSetVerifier(claims);

        // Without TCP_NODELAY the JDK server's separate header and body writes meet delayed ACKs: 40 ms a call.
        // The property is read once per JVM, when the first HttpServer is created.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        handlers = Executors.newFixedThreadPool(4);
        server.setExecutor(handlers);
        server.createContext("/orders", this::handle);
        server.start();
    }

    private static JWKSource<SecurityContext> jwkSource(URI jwksUri) {
        try {
            return JWKSourceBuilder.<SecurityContext>create(jwksUri.toURL()).build();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("jwksUri must be a URL, was " + jwksUri, e);
        }
    }

    int port() {
        return server.getAddress().getPort();
    }

    URI ordersUri() {
        return URI.create("http://127.0.0.1:" + port() + "/orders");
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            if (ThreadLocalRandom.current().nextDouble() < transientFailureRate) {
                respond(exchange, 503, "{\"error\":\"temporarily_unavailable\"}");
                return;
            }
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization == null || !authorization.startsWith("Bearer ")) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                respond(exchange, 401, "{\"error\":\"unauthorized\"}");
                return;
            }
            JWTClaimsSet claims;
            try {
                claims = jwtProcessor.process(authorization.substring("Bearer ".length()), null);
            } catch (KeySourceException e) {
                // Checked before JOSEException, its parent: the keys are unavailable, not the token invalid.
                LOG.log(Level.WARNING, () -> "cannot fetch the JWKS to check a token, answering 503: " + e);
                exchange.getResponseHeaders().set("Retry-After",
                    Integer.toString(KEYS_UNAVAILABLE_RETRY_AFTER_SECONDS));
                respond(exchange, 503, "{\"error\":\"temporarily_unavailable\"}");
                return;
            } catch (ParseException | BadJOSEException e) {
                // The reason stays on the server: telling the caller which check failed helps only an attacker.
                exchange.getResponseHeaders().set("WWW-Authenticate",
                    "Bearer error=\"invalid_token\", error_description=\"The access token is invalid or expired\"");
                respond(exchange, 401, "{\"error\":\"invalid_token\"}");
                return;
            } catch (JOSEException e) {
                // A fault of this server (a key it cannot use, a missing algorithm): not the token's, so not 401.
                LOG.log(Level.SEVERE, "cannot check a token", e);
                respond(exchange, 500, "{\"error\":\"server_error\"}");
                return;
            }
            respond(exchange, 200, "{\"orders\":[],\"subject\":\"" + claims.getSubject() + "\"}");
        } finally {
            exchange.close();
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() throws InterruptedException {
        server.stop(0);
        handlers.shutdown();
        if (!handlers.awaitTermination(5, TimeUnit.SECONDS)) {
            handlers.shutdownNow();
        }
    }
}
