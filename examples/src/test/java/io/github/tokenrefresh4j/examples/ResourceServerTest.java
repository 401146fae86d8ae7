package io.github.tokenrefresh4j.examples;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example API's answers: 401 {@code invalid_token} only for a token that is invalid, 503 when the keys to check
 * it cannot be fetched, so that a JWKS outage does not send every client refreshing.
 */
class ResourceServerTest {

    private static final URI ISSUER = URI.create("http://127.0.0.1/demo");
    private static final RSAKey KEY = generateKey();

    private final HttpClient http = HttpClient.newHttpClient();
    private final JwksServer jwks = new JwksServer();
    private ResourceServer api;

    @AfterEach
    void stop() throws InterruptedException {
        if (api != null) {
            api.close();
        }
        jwks.close();
    }

    @Test
    void acceptsPlainJwtAndRfc9068AccessTokenTypes() throws Exception {
        api = startApi();

        for (String typ : List.of("JWT", "at+jwt", "application/at+jwt")) {
            HttpResponse<String> response = get(sign(typ, Instant.now().plusSeconds(60)));
            assertThat(response.statusCode()).as("typ %s", typ).isEqualTo(200);
        }
    }

    @Test
    void answersInvalidTokenToAnotherTypeAnExpiredTokenAndGarbage() throws Exception {
        api = startApi();

        for (String token : List.of(sign("secevent+jwt", Instant.now().plusSeconds(60)),
            sign("JWT", Instant.now().minusSeconds(1)), "not-a-jwt")) {
            HttpResponse<String> response = get(token);
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                challenge -> assertThat(challenge).startsWith("Bearer error=\"invalid_token\""));
        }
    }

    @Test
    void jwksOutageAnswers503WithRetryAfterAndNoInvalidTokenChallenge() throws Exception {
        jwks.available = false;
        api = startApi();

        HttpResponse<String> response = get(sign("JWT", Instant.now().plusSeconds(60)));

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After"))
            .hasValue(Integer.toString(ResourceServer.KEYS_UNAVAILABLE_RETRY_AFTER_SECONDS));
        assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
        assertThat(jwks.requests).as("the keys were really asked for").hasPositiveValue();
    }

    @Test
    void jwksOutageTriggersNoTokenRefresh() throws Throwable {
        jwks.available = false;
        api = startApi();
        AtomicInteger refreshes = new AtomicInteger();
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("orders-api", TokenRefreshConfig.custom()
            .refreshOnResult(result -> result instanceof HttpResponse<?> r && r.statusCode() == 401)
            .build(), current -> {
                refreshes.incrementAndGet();
                return AccessToken.of(sign("JWT", Instant.now().plusSeconds(60)), Instant.now().plusSeconds(60));
            });

        for (int i = 0; i < 5; i++) {
            HttpResponse<String> response = tokens.executeCheckedFunction(token -> get(token.value()));
            assertThat(response.statusCode()).isEqualTo(503);
        }

        assertThat(refreshes).as("only the first acquisition").hasValue(1);
    }

    private ResourceServer startApi() throws IOException {
        return new ResourceServer(0, ISSUER, jwks.uri(), Duration.ZERO, 0);
    }

    private HttpResponse<String> get(String token) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(api.ordersUri()).header("Authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String sign(String typ, Instant expiresAt) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(new JOSEObjectType(typ))
                .keyID(KEY.getKeyID()).build(),
                new JWTClaimsSet.Builder().issuer(ISSUER.toString()).audience(AuthorizationServer.AUDIENCE)
                    .subject("orders-client").issueTime(Date.from(Instant.now().minusSeconds(5)))
                    .expirationTime(Date.from(expiresAt)).build());
            jwt.sign(new RSASSASigner(KEY));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException("cannot sign the test token", e);
        }
    }

    private static RSAKey generateKey() {
        try {
            return new RSAKeyGenerator(2048).keyID("test-key").generate();
        } catch (Exception e) {
            throw new IllegalStateException("cannot generate the test key", e);
        }
    }

    /** Publishes {@link #KEY} as a JWKS on 127.0.0.1, or answers 503 while {@code available} is false. */
    private static final class JwksServer implements AutoCloseable {
        volatile boolean available = true;
        final AtomicInteger requests = new AtomicInteger();
        private final HttpServer server;

        JwksServer() {
            try {
                server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            } catch (IOException e) {
                throw new IllegalStateException("cannot start the JWKS server", e);
            }
            server.createContext("/jwks", exchange -> {
                requests.incrementAndGet();
                byte[] body = (available ? new JWKSet(KEY.toPublicJWK()).toString() : "unavailable")
                    .getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(available ? 200 : 503, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks");
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
