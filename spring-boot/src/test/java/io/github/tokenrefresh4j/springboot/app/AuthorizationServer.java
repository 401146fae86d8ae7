package io.github.tokenrefresh4j.springboot.app;

import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.MockWebServerWrapper;
import com.nimbusds.oauth2.sdk.TokenRequest;
import no.nav.security.mock.oauth2.token.OAuth2TokenCallback;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import okhttp3.mockwebserver.RecordedRequest;
import org.awaitility.core.ConditionTimeoutException;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.awaitility.Awaitility.await;

/**
 * The tests' authorization server: navikt's mock-oauth2-server, embedded on 127.0.0.1 with an ephemeral port, one
 * per test JVM (the application contexts share it). It issues JWTs for the client_credentials grant to any client
 * and counts the token requests it received from its own request log. A test can hold the token responses until a
 * condition holds ({@link #holdTokenResponsesUntil}), so that what it counts while they are held is not a race.
 */
public final class AuthorizationServer {

    public static final String ISSUER_ID = "issuer";

    private static final AuthorizationServer INSTANCE = new AuthorizationServer();

    private final MockWebServerWrapper httpServer = new MockWebServerWrapper();
    private final MockOAuth2Server server;
    private long tokenRequests;
    private volatile Hold hold;

    private AuthorizationServer() {
        server = new MockOAuth2Server(new OAuth2Config(false, null, null, false, new OAuth2TokenProvider(),
            Set.of(new HeldTokens()), httpServer));
        server.start(InetAddress.getLoopbackAddress(), 0);
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown, "mock-oauth2-server-shutdown"));
    }

    public static AuthorizationServer get() {
        return INSTANCE;
    }

    public String tokenUri() {
        return server.baseUrl().newBuilder().host("127.0.0.1").build().resolve(ISSUER_ID + "/token").toString();
    }

    /**
     * Holds every token response until {@code released} is true, or {@code guard} has passed (then the response is
     * released anyway, so that nothing hangs, and {@link #stopHolding()} counts it), until {@link #stopHolding()}.
     */
    public void holdTokenResponsesUntil(BooleanSupplier released, Duration guard) {
        hold = new Hold(released, guard);
    }

    /**
     * Stops holding token responses.
     *
     * @return how many responses the guard released since {@link #holdTokenResponsesUntil}, before their condition held
     */
    public int stopHolding() {
        Hold stopped = hold;
        hold = null;
        return stopped == null ? 0 : stopped.releasedByGuard.get();
    }

    private record Hold(BooleanSupplier released, Duration guard, AtomicInteger releasedByGuard) {
        Hold(BooleanSupplier released, Duration guard) {
            this(released, guard, new AtomicInteger());
        }
    }

    /** @return the token requests received so far, counted from the server's request log */
    public synchronized long tokenRequests() {
        String tokenPath = "/" + ISSUER_ID + "/token";
        try {
            RecordedRequest request;
            while ((request = httpServer.getMockWebServer().takeRequest(0, TimeUnit.MILLISECONDS)) != null) {
                if ("POST".equals(request.getMethod()) && tokenPath.equals(request.getPath())) {
                    tokenRequests++;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return tokenRequests;
    }

    /**
     * A callback of mock-oauth2-server for one issuer: JWTs for audience {@code api}, valid an hour, with no extra
     * claim; the subject is the subclass's.
     */
    public abstract static class Tokens implements OAuth2TokenCallback {

        private final String issuerId;

        protected Tokens(String issuerId) {
            this.issuerId = issuerId;
        }

        @Override
        public String issuerId() {
            return issuerId;
        }

        @Override
        public String typeHeader(TokenRequest tokenRequest) {
            return "JWT";
        }

        @Override
        public List<String> audience(TokenRequest tokenRequest) {
            return List.of("api");
        }

        @Override
        public Map<String, Object> addClaims(TokenRequest tokenRequest) {
            return Map.of();
        }

        @Override
        public long tokenExpiry() {
            return 3600;
        }
    }

    /** The issuer's tokens, each response held while a test asks ({@link #holdTokenResponsesUntil}). */
    private final class HeldTokens extends Tokens {

        HeldTokens() {
            super(ISSUER_ID);
        }

        @Override
        public String subject(TokenRequest tokenRequest) {
            Hold held = hold;
            if (held != null) {
                try {
                    await().atMost(held.guard()).pollInterval(Duration.ofMillis(5))
                        .until(held.released()::getAsBoolean);
                } catch (ConditionTimeoutException e) {
                    // released anyway, so that nothing hangs; counted, for the test to fail on
                    held.releasedByGuard().incrementAndGet();
                }
            }
            return "storm";
        }
    }
}
