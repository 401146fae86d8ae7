package io.github.tokenrefresh4j.oauth2;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.auth.PKITLSClientAuthentication;
import com.nimbusds.oauth2.sdk.id.ClientID;
import io.github.tokenrefresh4j.AccessToken;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpTimeoutException;
import java.net.URI;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SSLSocketFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Edge cases of the token endpoint, against an endpoint in this process. */
class OAuth2TokenRefresherTest {

    private static final Instant NOW = Instant.parse("2026-01-01T10:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private TokenEndpointStub endpoint;

    @BeforeEach
    void start() throws Exception {
        endpoint = new TokenEndpointStub();
    }

    @AfterEach
    void stop() {
        endpoint.close();
    }

    private OAuth2TokenRefresher.Builder clientCredentials() {
        return OAuth2TokenRefresher.clientCredentials(endpoint.uri(), "orders-client", "s3cret").clock(CLOCK);
    }

    private OAuth2TokenRefresher.Builder refreshToken(String initial) {
        return OAuth2TokenRefresher.refreshToken(endpoint.uri(), "orders-client", "s3cret", initial).clock(CLOCK);
    }

    private static String tokenJson(String accessToken, String extra) {
        return "{\"access_token\":\"" + accessToken + "\",\"token_type\":\"Bearer\"" + extra + "}";
    }

    @Test
    void expiresInSetsTheExpiryFromTheClock() throws Exception {
        endpoint.json(200, tokenJson("opaque-1", ",\"expires_in\":300"));

        AccessToken token = clientCredentials().build().refresh(null);

        assertThat(token.value()).isEqualTo("opaque-1");
        assertThat(token.expiresAt()).contains(NOW.plusSeconds(300));
        assertThat(token.refreshToken()).isEmpty();
        TokenEndpointStub.Received request = endpoint.take();
        assertThat(request.form()).containsEntry("grant_type", "client_credentials");
        assertThat(request.authorization()).startsWith("Basic ");
    }

    @Test
    void missingExpiresInOnAJwtTakesTheExpClaimWithoutVerifyingIt() throws Exception {
        Instant exp = NOW.plusSeconds(1234);
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256),
            new JWTClaimsSet.Builder().subject("orders-client").expirationTime(Date.from(exp)).build());
        jwt.sign(new MACSigner(new byte[32]));
        endpoint.json(200, tokenJson(jwt.serialize(), ""));

        AccessToken token = clientCredentials().defaultLifetime(Duration.ofMinutes(5)).build().refresh(null);

        assertThat(token.expiresAt()).contains(exp);
    }

    @Test
    void expClaimFarInTheFutureIsReadWithoutOverflow() throws Exception {
        // 10^16 s fits an Instant, but not in milliseconds in a long: Date-based reading wraps into the past.
        long farFuture = 10_000_000_000_000_000L;
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256),
            new JWTClaimsSet.Builder().subject("orders-client").claim("exp", farFuture).build());
        jwt.sign(new MACSigner(new byte[32]));
        endpoint.json(200, tokenJson(jwt.serialize(), ""))
            .json(200, tokenJson(Base64URL.encode("{\"alg\":\"none\"}") + "."
                + Base64URL.encode("{\"exp\":1e300}") + ".", ""));
        OAuth2TokenRefresher refresher = clientCredentials().build();

        assertThat(refresher.refresh(null).expiresAt()).contains(Instant.ofEpochSecond(farFuture));
        assertThat(refresher.refresh(null).expiresAt()).as("beyond what an Instant holds").isEmpty();
    }

    @Test
    void missingExpiresInOnAnOpaqueTokenUsesTheDefaultLifetime() throws Exception {
        endpoint.json(200, tokenJson("opaque-1", ""));

        AccessToken token = clientCredentials().defaultLifetime(Duration.ofMinutes(5)).build().refresh(null);

        assertThat(token.expiresAt()).contains(NOW.plus(Duration.ofMinutes(5)));
    }

    @Test
    void missingExpiresInOnAnOpaqueTokenWithoutDefaultLifetimeHasNoExpiry() throws Exception {
        endpoint.json(200, tokenJson("opaque-1", ""));

        assertThat(clientCredentials().build().refresh(null).expiresAt()).isEmpty();
    }

    @Test
    void expiresInBeyondWhatAnInstantHoldsMeansNoExpiry() throws Exception {
        endpoint.json(200, tokenJson("opaque-1", ",\"expires_in\":" + Long.MAX_VALUE));

        assertThat(clientCredentials().build().refresh(null).expiresAt()).isEmpty();
    }

    @Test
    void responseWithoutRefreshTokenKeepsTheOnePresented() throws Exception {
        endpoint.json(200, tokenJson("access-1", ",\"expires_in\":60"));
        OAuth2TokenRefresher refresher = refreshToken("refresh-0").build();

        AccessToken token = refresher.refresh(null);

        assertThat(token.refreshToken()).contains("refresh-0");
        assertThat(endpoint.take().form()).containsEntry("grant_type", "refresh_token")
            .containsEntry("refresh_token", "refresh-0");
    }

    @Test
    void rotationPresentsTheCurrentTokensRefreshTokenElseTheLatestReceivedElseTheInitialOne() throws Exception {
        endpoint.json(200, tokenJson("access-1", ",\"expires_in\":60,\"refresh_token\":\"refresh-1\""))
            .json(200, tokenJson("access-2", ",\"expires_in\":60,\"refresh_token\":\"refresh-2\""))
            .json(200, tokenJson("access-3", ",\"expires_in\":60"));
        OAuth2TokenRefresher refresher = refreshToken("refresh-0").build();

        AccessToken first = refresher.refresh(null);
        AccessToken second = refresher.refresh(null);
        AccessToken third = refresher.refresh(AccessToken.of("elsewhere").withRefreshToken("refresh-from-caller"));

        assertThat(first.refreshToken()).contains("refresh-1");
        assertThat(second.refreshToken()).contains("refresh-2");
        assertThat(third.refreshToken()).contains("refresh-from-caller");
        assertThat(endpoint.drain()).extracting(request -> request.form().get("refresh_token"))
            .containsExactly("refresh-0", "refresh-1", "refresh-from-caller");
    }

    @Test
    void aRefreshTokenThisRefresherSawReplacedIsNeverPresentedAgain() throws Exception {
        // A refresh the decorator abandoned rotated refresh-0 into refresh-1; the decorator discarded its token and
        // still holds one with refresh-0, now spent: presenting it again is a reuse.
        endpoint.json(200, tokenJson("access-late", ",\"expires_in\":60,\"refresh_token\":\"refresh-1\""))
            .json(200, tokenJson("access-2", ",\"expires_in\":60,\"refresh_token\":\"refresh-2\""));
        OAuth2TokenRefresher refresher = refreshToken("refresh-0").build();
        refresher.refresh(null);

        AccessToken token = refresher.refresh(AccessToken.of("access-0").withRefreshToken("refresh-0"));

        assertThat(token.refreshToken()).contains("refresh-2");
        assertThat(endpoint.drain()).extracting(request -> request.form().get("refresh_token"))
            .containsExactly("refresh-0", "refresh-1");
    }

    @Test
    void aLateRefreshWithoutNewRefreshTokenNeverPutsBackTheOlderOneItPresented() throws Exception {
        // The decorator abandons a refresh past its refreshTimeout and starts the next: two refreshes overlap.
        CountDownLatch gate = new CountDownLatch(1);
        endpoint.jsonAfter(gate, 200, tokenJson("access-late", ",\"expires_in\":60"));
        OAuth2TokenRefresher refresher = refreshToken("refresh-0").build();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<AccessToken> late = executor.submit(() -> refresher.refresh(null));
            assertThat(endpoint.take().form()).containsEntry("refresh_token", "refresh-0");
            endpoint.json(200, tokenJson("access-1", ",\"expires_in\":60,\"refresh_token\":\"refresh-1\""));
            assertThat(refresher.refresh(null).refreshToken()).contains("refresh-1");

            gate.countDown();
            late.get(30, TimeUnit.SECONDS);
            endpoint.json(200, tokenJson("access-2", ",\"expires_in\":60"));
            refresher.refresh(null);
        } finally {
            gate.countDown();
            executor.shutdownNow();
        }

        assertThat(endpoint.drain()).extracting(request -> request.form().get("refresh_token"))
            .containsExactly("refresh-0", "refresh-1");
    }

    @Test
    void aLateFallbackToClientCredentialsNeverDropsARefreshTokenReceivedMeanwhile() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        endpoint.jsonAfter(gate, 400, "{\"error\":\"invalid_grant\"}");
        OAuth2TokenRefresher refresher = refreshToken("refresh-0").fallbackToClientCredentials().build();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<AccessToken> late = executor.submit(() -> refresher.refresh(null));
            endpoint.take();
            endpoint.json(200, tokenJson("access-1", ",\"expires_in\":60,\"refresh_token\":\"refresh-1\""))
                .json(200, tokenJson("access-cc", ",\"expires_in\":60"));
            refresher.refresh(null);

            gate.countDown();
            assertThat(late.get(30, TimeUnit.SECONDS).value()).isEqualTo("access-cc");
            endpoint.json(200, tokenJson("access-2", ",\"expires_in\":60"));
            refresher.refresh(null);
        } finally {
            gate.countDown();
            executor.shutdownNow();
        }

        assertThat(endpoint.drain()).extracting(request -> request.form().get("grant_type"),
                request -> request.form().get("refresh_token"))
            .containsExactly(tuple("refresh_token", "refresh-0"), tuple("client_credentials", null),
                tuple("refresh_token", "refresh-1"));
    }

    @Test
    void invalidGrantWithoutFallbackFailsWithTheErrorCodeAndIsNotTransient() {
        endpoint.json(400, "{\"error\":\"invalid_grant\",\"error_description\":\"Token is not active\"}");
        OAuth2TokenRefresher refresher = refreshToken("refresh-0").build();

        TokenEndpointException e = catchThrowableOfType(TokenEndpointException.class,
            () -> refresher.refresh(null));

        assertThat(e.getError()).contains("invalid_grant");
        assertThat(e.getErrorDescription()).contains("Token is not active");
        assertThat(e.getStatusCode()).hasValue(400);
        assertThat(e.isTransient()).isFalse();
        assertThat(e.getRetryAfter()).isEmpty();
        assertThat(e).hasMessage("token endpoint http://127.0.0.1:" + endpoint.uri().getPort()
            + "/oauth2/token (refresh_token) answered 400 invalid_grant: \"Token is not active\"; the grant "
            + "(refresh token or assertion) is expired, revoked or spent: obtain a new one (not asked again for "
            + "300s)");
        assertThat(endpoint.drain()).hasSize(1);
    }

    @Test
    void invalidGrantWithFallbackAsksForClientCredentialsAndKeepsDoingSo() throws Exception {
        endpoint.json(400, "{\"error\":\"invalid_grant\"}")
            .json(200, tokenJson("access-1", ",\"expires_in\":60"))
            .json(200, tokenJson("access-2", ",\"expires_in\":60"));
        OAuth2TokenRefresher refresher = refreshToken("refresh-0").fallbackToClientCredentials().build();

        AccessToken first = refresher.refresh(null);
        AccessToken second = refresher.refresh(first);

        assertThat(first.value()).isEqualTo("access-1");
        assertThat(first.refreshToken()).isEmpty();
        assertThat(second.value()).isEqualTo("access-2");
        assertThat(endpoint.drain()).extracting(request -> request.form().get("grant_type"))
            .containsExactly("refresh_token", "client_credentials", "client_credentials");
    }

    @Test
    void fallbackIsOnlyForInvalidGrant() {
        endpoint.json(401, "{\"error\":\"invalid_client\"}");
        OAuth2TokenRefresher refresher = refreshToken("refresh-0").fallbackToClientCredentials().build();

        assertThatThrownBy(() -> refresher.refresh(null)).isInstanceOf(TokenEndpointException.class)
            .hasMessageContaining("answered 401 invalid_client; check the client id and its credentials");
        assertThat(endpoint.drain()).hasSize(1);
    }

    @Test
    void serviceUnavailableWithRetryAfterIsTransientAndCarriesTheWait() {
        endpoint.answer(503, "text/plain", request -> "down for maintenance", "Retry-After", "30");

        TokenEndpointException e = catchThrowableOfType(TokenEndpointException.class,
            () -> clientCredentials().build().refresh(null));

        assertThat(e.isTransient()).isTrue();
        assertThat(e.getStatusCode()).hasValue(503);
        assertThat(e.getRetryAfter()).contains(Duration.ofSeconds(30));
        assertThat(e.getError()).isEmpty();
        assertThat(e.getMessage()).endsWith("answered 503 with a body that is no JSON object (text/plain), not an "
            + "OAuth 2.0 error; nothing was issued; try again later (Retry-After 30s)");
    }

    @Test
    void aRefusalAsksTheDecoratorForTheRefusalCooldownAndARetryAfterForItsWait() throws Exception {
        endpoint.json(400, "{\"error\":\"invalid_grant\"}").json(401, "{\"error\":\"invalid_client\"}")
            .json(429, "{\"error\":\"slow_down\"}", "Retry-After", "30").json(500, "{}")
            .json(400, "{\"error\":\"invalid_grant\"}").json(400, "{\"error\":\"invalid_scope\"}");
        OAuth2TokenRefresher refresher = refreshToken("refresh-1").build();

        List<TokenEndpointException> failures = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            failures.add(catchThrowableOfType(TokenEndpointException.class, () -> refresher.refresh(null)));
        }
        TokenEndpointException withoutHint = catchThrowableOfType(TokenEndpointException.class,
            () -> refreshToken("refresh-1").refusalCooldown(Duration.ZERO).build().refresh(null));
        TokenEndpointException invalidScope = catchThrowableOfType(TokenEndpointException.class,
            () -> refresher.refresh(null));

        assertThat(failures).extracting(e -> e.getRetryAfterHint().orElse(null)).containsExactly(
            Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofSeconds(30), null);
        assertThat(failures.get(0).getMessage()).endsWith("obtain a new one (not asked again for 300s)");
        assertThat(withoutHint.getRetryAfterHint()).isEmpty();
        assertThat(invalidScope.getRetryAfterHint()).isEmpty();
        assertThatThrownBy(() -> refreshToken("r").refusalCooldown(Duration.ofSeconds(-1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("refusalCooldown must not be");
    }

    @Test
    void theDecoratorHonoursTheRetryAfterOfA503InsteadOfItsOneSecondCooldown() {
        endpoint.answer(503, "text/plain", request -> "busy", "Retry-After", "120");
        io.github.tokenrefresh4j.TokenRefreshDecorator tokens = io.github.tokenrefresh4j.TokenRefreshDecorator.of(
            "orders-api", io.github.tokenrefresh4j.TokenRefreshConfig.custom().clock(CLOCK).build(),
            clientCredentials().build());

        Throwable first = catchThrowableOfType(RuntimeException.class,
            () -> tokens.executeFunction(AccessToken::value));
        Throwable second = catchThrowableOfType(RuntimeException.class,
            () -> tokens.executeFunction(AccessToken::value));

        assertThat(first).hasMessageContaining("next attempt allowed in 120000ms");
        assertThat(second).hasMessageContaining("cooldown");
        assertThat(tokens.getMetrics().getCooldownEnd()).contains(NOW.plusSeconds(120));
        assertThat(endpoint.drain()).hasSize(1);
    }

    @Test
    void aHostileRetryAfterCannotLockTheDecoratorOutForYears() {
        // 9223372036 s is about 292 years: a Duration holds it, so it used to become the decorator's cooldown.
        endpoint.answer(429, "text/plain", request -> "slow down", "Retry-After", "9223372036")
            .answer(503, "text/plain", request -> "busy", "Retry-After", "Fri, 01 Jan 2100 00:00:00 GMT");
        io.github.tokenrefresh4j.TokenRefreshDecorator tokens = io.github.tokenrefresh4j.TokenRefreshDecorator.of(
            "orders-api", io.github.tokenrefresh4j.TokenRefreshConfig.custom().clock(CLOCK).build(),
            clientCredentials().build());
        OAuth2TokenRefresher refresher = clientCredentials().build();

        catchThrowableOfType(RuntimeException.class, () -> tokens.executeFunction(AccessToken::value));
        TokenEndpointException dated = catchThrowableOfType(TokenEndpointException.class,
            () -> refresher.refresh(null));

        assertThat(tokens.getMetrics().getCooldownEnd()).contains(NOW.plus(Failures.LONGEST_RETRY_AFTER_HINT));
        assertThat(dated.getRetryAfter()).hasValueSatisfying(wait -> assertThat(wait).isGreaterThan(
            Duration.ofDays(365)));
        assertThat(dated.getRetryAfterHint()).contains(Failures.LONGEST_RETRY_AFTER_HINT);
    }

    @Test
    void retryAfterAsAnHttpDateCountsFromTheClock() {
        endpoint.json(429, "{\"error\":\"slow_down\"}", "Retry-After", "Thu, 01 Jan 2026 10:01:00 GMT");

        TokenEndpointException e = catchThrowableOfType(TokenEndpointException.class,
            () -> clientCredentials().build().refresh(null));

        assertThat(e.isTransient()).isTrue();
        assertThat(e.getRetryAfter()).contains(Duration.ofMinutes(1));
    }

    @Test
    void retryAfterInThePastIsZeroAndOneNoDurationCanBeWaitedIsIgnored() {
        endpoint.json(503, "{}", "Retry-After", "Thu, 01 Jan 2026 09:00:00 GMT")
            .json(503, "{}", "Retry-After", "999999999999999999")
            .json(503, "{}", "Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT");
        OAuth2TokenRefresher refresher = clientCredentials().build();

        assertThat(catchThrowableOfType(TokenEndpointException.class, () -> refresher.refresh(null))
            .getRetryAfter()).contains(Duration.ZERO);
        for (int i = 0; i < 2; i++) {
            // A wait that toMillis() or Instant.plus(..) cannot take would throw in the caller's retry.
            TokenEndpointException e = catchThrowableOfType(TokenEndpointException.class,
                () -> refresher.refresh(null));
            assertThat(e.getRetryAfter()).isEmpty();
            assertThat(e.isTransient()).isTrue();
        }
    }

    @Test
    void temporarilyUnavailableIsTransientWhateverTheStatus() {
        endpoint.json(400, "{\"error\":\"temporarily_unavailable\"}");

        TokenEndpointException e = catchThrowableOfType(TokenEndpointException.class,
            () -> clientCredentials().build().refresh(null));

        assertThat(e.isTransient()).isTrue();
    }

    @Test
    void htmlErrorPageGivesAOneLineMessage() {
        endpoint.answer(502, "text/html; charset=utf-8",
            request -> "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body>\n</html>\n");

        TokenEndpointException e = catchThrowableOfType(TokenEndpointException.class,
            () -> clientCredentials().build().refresh(null));

        assertThat(e.getMessage()).doesNotContain("\n", "<html", "nginx")
            .endsWith("answered 502 with a body that is no JSON object (text/html), not an OAuth 2.0 error; "
                + "nothing was issued; try again later");
        assertThat(e.isTransient()).isTrue();
        assertThat(e.getCause()).isNull();
    }

    @Test
    void successStatusWithABodyThatIsNotJsonIsNotTransient() {
        endpoint.answer(200, "text/html", request -> "<html>login page</html>");

        TokenEndpointException e = catchThrowableOfType(TokenEndpointException.class,
            () -> clientCredentials().build().refresh(null));

        assertThat(e.isTransient()).isFalse();
        assertThat(e.getStatusCode()).hasValue(200);
        assertThat(e.getMessage()).doesNotContain("login page")
            .endsWith("answered 200 with a body that is no JSON object (text/html), not a token response; check "
                + "that the URI is the token endpoint");
    }

    @Test
    void successStatusWithJsonThatIsNoTokenResponseSaysWhatIsMissing() {
        endpoint.json(200, "{\"access_token\":\"opaque-1\"}");

        TokenEndpointException e = catchThrowableOfType(TokenEndpointException.class,
            () -> clientCredentials().build().refresh(null));

        assertThat(e.isTransient()).isFalse();
        assertThat(e.getMessage()).contains("not a token response (no token_type)").doesNotContain("opaque-1");
    }

    @Test
    void slowEndpointHitsTheReadTimeoutAsATransientFailureWithTheCause() {
        endpoint.hang();

        TokenEndpointException e = catchThrowableOfType(TokenEndpointException.class,
            () -> clientCredentials().readTimeout(Duration.ofMillis(200)).build().refresh(null));

        assertThat(e.isTransient()).isTrue();
        assertThat(e.getStatusCode()).isEmpty();
        assertThat(e.getCause()).isInstanceOf(HttpTimeoutException.class);
        assertThat(e.getMessage()).contains("did not answer: HttpTimeoutException")
            .contains("the request may have reached it");
    }

    @Test
    void readTimeoutBoundsTheWholeAnswerNotOnlyItsHeaders() {
        endpoint.stallAfterHeaders(tokenJson("access-1", ",\"expires_in\":60"));
        OAuth2TokenRefresher refresher = clientCredentials().readTimeout(Duration.ofMillis(200)).build();

        // The hang guard stays below the stub's own 60 s release.
        TokenEndpointException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
            () -> catchThrowableOfType(TokenEndpointException.class, () -> refresher.refresh(null)));

        assertThat(e.isTransient()).isTrue();
        assertThat(e.getStatusCode()).isEmpty();
        assertThat(e.getCause()).isInstanceOf(HttpTimeoutException.class);
        assertThat(e.getMessage()).contains("the request may have reached it");
    }

    @Test
    void refusedConnectionIsTransientWithoutStatus() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        TokenEndpointException e = catchThrowableOfType(TokenEndpointException.class,
            () -> OAuth2TokenRefresher.clientCredentials(URI.create("http://127.0.0.1:" + port + "/token"),
                "orders-client", "s3cret").build().refresh(null));

        assertThat(e.isTransient()).isTrue();
        assertThat(e.getStatusCode()).isEmpty();
        assertThat(e.getCause()).isInstanceOf(ConnectException.class);
        assertThat(e.getMessage()).contains("no connection was made");
    }

    @Test
    void connectionDroppedAfterTheRequestIsNotSentAgainByTheTransport() throws Exception {
        // HttpURLConnection would send the POST again: a rotated refresh token presented twice.
        endpoint.drop().json(200, tokenJson("access-1", ",\"expires_in\":60"));

        TokenEndpointException e = catchThrowableOfType(TokenEndpointException.class,
            () -> refreshToken("refresh-0").build().refresh(null));

        assertThat(e.isTransient()).isTrue();
        assertThat(e.getStatusCode()).isEmpty();
        assertThat(endpoint.drain()).hasSize(1);
    }

    @Test
    void scopeResourceAndAudienceGoIntoTheRequest() throws Exception {
        endpoint.json(200, tokenJson("opaque-1", ",\"expires_in\":60"));

        clientCredentials().scope("orders.read", "orders.write").resource(URI.create("https://api.example.com/orders"))
            .audience("orders-api").build().refresh(null);

        assertThat(endpoint.take().form()).containsEntry("scope", "orders.read orders.write")
            .containsEntry("resource", "https://api.example.com/orders")
            .containsEntry("audience", "orders-api");
    }

    @Test
    void clientSecretPostSendsTheCredentialsInTheBody() throws Exception {
        endpoint.json(200, tokenJson("opaque-1", ",\"expires_in\":60"));

        OAuth2TokenRefresher.builder(endpoint.uri()).clientSecretPost("orders-client", "s3cret")
            .clientCredentialsGrant().build().refresh(null);

        TokenEndpointStub.Received request = endpoint.take();
        assertThat(request.authorization()).isNull();
        assertThat(request.form()).containsEntry("client_id", "orders-client").containsEntry("client_secret", "s3cret");
    }

    @Test
    void privateKeyJwtSendsTheClientIdBesideTheAssertionAsSpringAuthorizationServerRequires() throws Exception {
        // RFC 7523 makes client_id optional; Spring Authorization Server answers 400 invalid_request without it.
        endpoint.json(200, tokenJson("opaque-1", ",\"expires_in\":60"));
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);

        OAuth2TokenRefresher.builder(endpoint.uri()).privateKeyJwt("orders-client", rsa.generateKeyPair().getPrivate(),
            "k1").clientCredentialsGrant().build().refresh(null);

        assertThat(endpoint.take().form()).containsEntry("client_id", "orders-client")
            .containsEntry("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            .containsKey("client_assertion");
    }

    @Test
    void jwtBearerGrantSendsAFreshAssertionPerRequest() throws Exception {
        endpoint.json(200, tokenJson("opaque-1", ",\"expires_in\":60"))
            .json(200, tokenJson("opaque-2", ",\"expires_in\":60"));
        java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
        OAuth2TokenRefresher refresher = OAuth2TokenRefresher.builder(endpoint.uri())
            .clientSecretBasic("orders-client", "s3cret")
            .jwtBearerGrant(() -> assertion("workload-" + count.incrementAndGet()))
            .build();

        refresher.refresh(null);
        refresher.refresh(null);

        assertThat(endpoint.drain()).extracting(request -> request.form().get("assertion"))
            .containsExactly(assertion("workload-1"), assertion("workload-2"));
    }

    @Test
    void assertionSupplierThatFailsSendsNoRequest() {
        OAuth2TokenRefresher refresher = OAuth2TokenRefresher.builder(endpoint.uri())
            .clientSecretBasic("orders-client", "s3cret").jwtBearerGrant(() -> "not a jwt").build();

        assertThatThrownBy(() -> refresher.refresh(null)).isInstanceOf(TokenEndpointException.class)
            .hasMessageContaining("no request sent").hasMessageNotContaining("not a jwt");
        assertThat(endpoint.drain()).isEmpty();
    }

    static String assertion(String subject) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256),
                new JWTClaimsSet.Builder().subject(subject).build());
            jwt.sign(new MACSigner(new byte[32]));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void badBuilderInputFailsAtOnceNamingTheParameter() throws Exception {
        URI uri = endpoint.uri();
        assertThatThrownBy(() -> OAuth2TokenRefresher.builder(null)).hasMessage("tokenEndpoint must not be null");
        assertThatThrownBy(() -> OAuth2TokenRefresher.builder(URI.create("/token")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("tokenEndpoint must be an absolute");
        assertThatThrownBy(() -> OAuth2TokenRefresher.fromIssuer(URI.create("https://idp.example.com/?x=1")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("issuer must have no query");
        assertThatThrownBy(() -> OAuth2TokenRefresher.clientCredentials(uri, "orders-client", null))
            .hasMessage("clientSecret must not be null");
        assertThatThrownBy(() -> OAuth2TokenRefresher.clientCredentials(uri, " ", "s3cret"))
            .hasMessage("clientId must not be blank");
        assertThatThrownBy(() -> OAuth2TokenRefresher.refreshToken(uri, "orders-client", "s3cret", null))
            .hasMessage("initialRefreshToken must not be null");
        assertThatThrownBy(() -> clientCredentials().scope("orders read"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("scope must be");
        assertThatThrownBy(() -> clientCredentials().resource(URI.create("orders")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("resource must be");
        assertThatThrownBy(() -> clientCredentials().readTimeout(Duration.ZERO))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("readTimeout must be positive");
        assertThatThrownBy(() -> clientCredentials().connectTimeout(Duration.ofDays(30)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("connectTimeout must be between");
        assertThatThrownBy(() -> clientCredentials().defaultLifetime(Duration.ofSeconds(-1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("defaultLifetime must be positive");
        assertThatThrownBy(() -> OAuth2TokenRefresher.builder(uri).clientCredentialsGrant().build())
            .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("clientAuthentication is missing");
        assertThatThrownBy(() -> OAuth2TokenRefresher.builder(uri).clientSecretBasic("a", "b").build())
            .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("grant is missing");
        assertThatThrownBy(() -> clientCredentials().fallbackToClientCredentials().build())
            .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("fallbackToClientCredentials needs");
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        assertThatThrownBy(() -> OAuth2TokenRefresher.builder(uri)
            .privateKeyJwt("orders-client", rsa.generateKeyPair().getPrivate(), "k1"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("privateKey cannot sign");
    }

    @Test
    void tlsClientAuthenticationWithItsOwnSocketFactoryIsRefusedAtBuildTimeNotSilentlySentWithoutItsCertificate() {
        // Requests go through the JDK HttpClient, which takes an SSLContext, never the SDK's SSLSocketFactory:
        // the client certificate would silently not be presented, and the server answer invalid_client.
        PKITLSClientAuthentication mtls = new PKITLSClientAuthentication(new ClientID("orders-client"),
            (SSLSocketFactory) SSLSocketFactory.getDefault());

        assertThatThrownBy(() -> OAuth2TokenRefresher.builder(endpoint.uri()).clientAuthentication(mtls))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("clientAuthentication must not carry its own SSLSocketFactory");
    }
}
