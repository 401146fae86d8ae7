package io.github.tokenrefresh4j.oauth2;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefresher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import static io.github.tokenrefresh4j.oauth2.SpringAuthorizationServer.BASIC_CLIENT;
import static io.github.tokenrefresh4j.oauth2.SpringAuthorizationServer.BASIC_SECRET;
import static io.github.tokenrefresh4j.oauth2.SpringAuthorizationServer.JWT_CLIENT;
import static io.github.tokenrefresh4j.oauth2.SpringAuthorizationServer.PUBLIC_CLIENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Interop with a real authorization server nobody here wrote: Spring Authorization Server, embedded. Time moves by
 * an injected clock on the client side, so each storm round finds the token expired at once, whatever the
 * machine's speed; the server issues hour-long tokens and rotates the refresh token at every refresh.
 */
class SpringAuthorizationServerInteropTest {

    private static final int THREADS = 32;
    private static final int CALLS_PER_THREAD = 50;
    private static final int ROUNDS = 6;

    private static SpringAuthorizationServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new SpringAuthorizationServer();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A clock the test moves. */
    static final class TestClock extends Clock {
        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());

        void advance(Duration duration) {
            now.updateAndGet(instant -> instant.plus(duration));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @Test
    void clientCredentialsWithClientSecretBasic() throws Exception {
        AccessToken token = OAuth2TokenRefresher.clientCredentials(server.tokenEndpoint(), BASIC_CLIENT,
            BASIC_SECRET).scope("orders").build().refresh(null);

        assertThat(token.value()).contains(".");
        assertThat(token.expiresAt()).isPresent();
    }

    @Test
    void clientCredentialsWithClientSecretPost() throws Exception {
        AccessToken token = OAuth2TokenRefresher.builder(server.tokenEndpoint())
            .clientSecretPost(BASIC_CLIENT, BASIC_SECRET).clientCredentialsGrant().scope("orders").build()
            .refresh(null);

        assertThat(token.value()).contains(".");
    }

    @Test
    void clientCredentialsWithPrivateKeyJwt() throws Exception {
        int before = server.tokenRequests(JWT_CLIENT);

        AccessToken token = OAuth2TokenRefresher.builder(server.tokenEndpoint())
            .privateKeyJwt(JWT_CLIENT, server.clientKey.getPrivate(), "k1").clientCredentialsGrant().scope("orders")
            .build().refresh(null);

        assertThat(token.value()).contains(".");
        assertThat(server.tokenRequests(JWT_CLIENT)).isEqualTo(before + 1);
    }

    @Test
    void discoveryFindsTheTokenEndpoint() throws Exception {
        OAuth2TokenRefresher refresher = OAuth2TokenRefresher.fromIssuer(server.issuer())
            .clientSecretBasic(BASIC_CLIENT, BASIC_SECRET).clientCredentialsGrant().build();

        assertThat(refresher.refresh(null).value()).contains(".");
        assertThat(refresher.toString()).contains("tokenEndpoint=" + server.tokenEndpoint());
    }

    @Test
    void aPublicClientsRefreshTokenGrantIsRefusedBySpringAuthorizationServerWithAClearError() {
        // Spring Authorization Server 7.0 takes a public client only with PKCE (authorization_code): its refresh
        // tokens need a confidential client. The refusal is a 401 without a body, reported as a credentials problem.
        TokenEndpointException e = catchThrowableOfType(TokenEndpointException.class, () ->
            OAuth2TokenRefresher.builder(server.tokenEndpoint()).publicClient(PUBLIC_CLIENT)
                .refreshTokenGrant(server.signIn(PUBLIC_CLIENT)).build().refresh(null));

        assertThat(e.isTransient()).as(e.getMessage()).isFalse();
        assertThat(e.getStatusCode()).hasValue(401);
        assertThat(e.getMessage()).contains("check the client id and its credentials");
    }

    /** What a storm saw: calls made, calls failed, token requests the server received, tokens the calls used. */
    record Storm(long calls, List<Throwable> failures, int tokenRequests, int refresherCalls, Set<String> accessTokens,
                 Set<String> refreshTokens) {
    }

    /**
     * {@link #ROUNDS} rounds; before each the clock moves past the hour-long token, then {@link #THREADS} threads
     * released at once make {@link #CALLS_PER_THREAD} calls each.
     */
    private static Storm storm(String name, TestClock clock, TokenRefresher refresher) throws Exception {
        AtomicInteger refresherCalls = new AtomicInteger();
        TokenRefresher counted = current -> {
            refresherCalls.incrementAndGet();
            return refresher.refresh(current);
        };
        // The refresh timeout is a hang guard only: a cold server's first answer can take seconds.
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of(name, TokenRefreshConfig.custom()
            .clock(clock).refreshTimeout(Duration.ofSeconds(60)).build(), counted);
        int before = server.tokenRequests(BASIC_CLIENT);
        Set<String> accessTokens = ConcurrentHashMap.newKeySet();
        Set<String> refreshTokens = ConcurrentHashMap.newKeySet();
        LongAdder calls = new LongAdder();
        List<Throwable> failures = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                clock.advance(Duration.ofHours(2)); // past the hour-long token: every thread finds it expired
                CyclicBarrier start = new CyclicBarrier(THREADS);
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    done.add(threads.submit(() -> {
                        start.await();
                        for (int i = 0; i < CALLS_PER_THREAD; i++) {
                            try {
                                tokens.executeFunction(token -> {
                                    accessTokens.add(token.value());
                                    token.refreshToken().ifPresent(refreshTokens::add);
                                    return token;
                                });
                            } catch (RuntimeException e) {
                                synchronized (failures) {
                                    failures.add(e);
                                }
                            }
                            calls.increment();
                        }
                        return null;
                    }));
                }
                for (Future<?> future : done) {
                    future.get(120, TimeUnit.SECONDS);
                }
            }
        } finally {
            threads.shutdownNow();
        }
        Storm storm = new Storm(calls.sum(), failures, server.tokenRequests(BASIC_CLIENT) - before,
            refresherCalls.get(), accessTokens, refreshTokens);
        System.out.printf("Spring Authorization Server storm (%s): %d calls, %d failed, %d token requests for %d "
            + "expiries, %d access tokens, %d refresh tokens%n", name, storm.calls(), failures.size(),
            storm.tokenRequests(), ROUNDS, accessTokens.size(), refreshTokens.size());
        return storm;
    }

    @Test
    void refreshTokenRotationUnderA32ThreadStormMakesOneTokenRequestPerExpiry() throws Exception {
        TestClock clock = new TestClock();

        Storm storm = storm("sas-rotation", clock, OAuth2TokenRefresher.refreshToken(server.tokenEndpoint(),
            BASIC_CLIENT, BASIC_SECRET, server.signIn(BASIC_CLIENT)).clock(clock).build());

        assertThat(storm.failures()).as("no invalid_grant, no failure").isEmpty();
        assertThat(storm.calls()).isEqualTo((long) ROUNDS * THREADS * CALLS_PER_THREAD);
        assertThat(storm.tokenRequests()).isEqualTo(ROUNDS);
        assertThat(storm.refresherCalls()).isEqualTo(ROUNDS);
        assertThat(storm.accessTokens()).hasSize(ROUNDS);
        assertThat(storm.refreshTokens()).as("a new refresh token per rotation").hasSize(ROUNDS);
    }

    @Test
    void clientCredentialsUnderA32ThreadStormMakesOneTokenRequestPerExpiry() throws Exception {
        TestClock clock = new TestClock();

        Storm storm = storm("sas-client-credentials", clock, OAuth2TokenRefresher.clientCredentials(
            server.tokenEndpoint(), BASIC_CLIENT, BASIC_SECRET).scope("orders").clock(clock).build());

        assertThat(storm.failures()).isEmpty();
        assertThat(storm.calls()).isEqualTo((long) ROUNDS * THREADS * CALLS_PER_THREAD);
        assertThat(storm.tokenRequests()).isEqualTo(ROUNDS);
        assertThat(storm.accessTokens()).hasSize(ROUNDS);
        assertThat(storm.refreshTokens()).isEmpty();
    }

    @Test
    void aRevokedRefreshTokenFailsEveryCallWithOneTokenRequestPerCooldown() throws Exception {
        TestClock clock = new TestClock();
        String refreshToken = server.signIn(BASIC_CLIENT);
        OAuth2TokenRefresher refresher = OAuth2TokenRefresher.refreshToken(server.tokenEndpoint(), BASIC_CLIENT,
            BASIC_SECRET, refreshToken).clock(clock).build();
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("sas-revoked", TokenRefreshConfig.custom()
            .clock(clock).refreshTimeout(Duration.ofSeconds(60)).build(), refresher);
        revoke(refreshToken);
        int before = server.tokenRequests(BASIC_CLIENT);

        List<Throwable> failures = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try {
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                done.add(threads.submit(() -> {
                    start.await();
                    for (int i = 0; i < 10; i++) {
                        try {
                            tokens.executeFunction(AccessToken::value);
                        } catch (RuntimeException e) {
                            synchronized (failures) {
                                failures.add(e);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(120, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }

        assertThat(failures).hasSize(THREADS * 10);
        assertThat(server.tokenRequests(BASIC_CLIENT) - before).as("one token request while the cooldown holds")
            .isEqualTo(1);
        TokenEndpointException cause = (TokenEndpointException) failures.get(0).getCause();
        assertThat(cause.getError()).contains("invalid_grant");
        // The refusal cooldown, not the 1 s failureCooldown: a revoked refresh token is not asked again each second.
        assertThat(failures.get(0)).hasMessageContaining("next attempt allowed in 300000ms");
        assertThat(tokens.getMetrics().getCooldownEnd()).contains(clock.instant().plus(Duration.ofMinutes(5)));
    }

    private static void revoke(String refreshToken) throws Exception {
        String basic = Base64.getEncoder().encodeToString((BASIC_CLIENT + ":" + BASIC_SECRET)
            .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                server.issuer().resolve("/oauth2/revoke"))
            .header("Authorization", "Basic " + basic)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("token=" + URLEncoder.encode(refreshToken,
                StandardCharsets.UTF_8) + "&token_type_hint=refresh_token")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
    }
}
