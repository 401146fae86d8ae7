package io.github.tokenrefresh4j.redis;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Redis going away and coming back, AUTH and TLS through the URI. Each test runs its own redis-server. */
class RedisOutageAndSecurityTest {

    private static final Duration WAIT_TIMEOUT = Duration.ofMillis(500);
    /** The AUTH test is about AUTH, not timing: room to connect on a loaded machine before the WRONGPASS reply. */
    private static final Duration AUTH_WAIT_TIMEOUT = Duration.ofSeconds(10);

    @Test
    void redisStoppedMidRunFailsWithinWaitTimeoutThenRecovers() throws Exception {
        RotatingTokenServer endpoint = new RotatingTokenServer(Duration.ofMinutes(5), Duration.ofMinutes(5));
        try (RedisServer redis = RedisServer.start();
             RedisTokenRefresher refresher = RedisTokenRefresher.builder(redis.uri(), "tokens:outage",
                     current -> endpoint.grant(current == null ? null : current.refreshToken().orElseThrow()))
                 .lockTimeout(Duration.ofSeconds(2))
                 .waitTimeout(WAIT_TIMEOUT)
                 .build()) {
            TokenRefreshDecorator tokens = TokenRefreshDecorator.of("outage", TokenRefreshConfig.custom()
                .failureCooldown(Duration.ZERO)
                .build(), refresher);
            Supplier<AccessToken> currentToken = TokenRefreshDecorator.decorateFunction(tokens, token -> token);
            AccessToken first = currentToken.get();

            redis.stop();
            tokens.invalidate();
            long start = System.nanoTime();
            assertThatThrownBy(currentToken::get)
                .isInstanceOf(TokenRefreshException.class)
                .cause()
                .isInstanceOf(RedisTokenRefreshException.class)
                .hasMessageContaining("Redis at 127.0.0.1:" + redis.port() + " was unavailable for waitTimeout=PT0.5S")
                .hasMessageContaining("fallbackToLocalRefresh")
                .hasMessageNotContaining(first.value());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(WAIT_TIMEOUT.plusSeconds(2));
            assertThat(endpoint.requests()).as("no refresh without the lock").isEqualTo(1);

            redis.startAgain();
            // the restarted Redis is empty: the next refresh presents this instance's own refresh token
            AccessToken recovered = await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(currentToken::get, token -> token != first);

            assertThat(endpoint.accepts(recovered.value())).isTrue();
            assertThat(endpoint.revoked()).isFalse();
            assertThat(endpoint.issued()).isEqualTo(2);
        }
    }

    @Test
    void fallbackToLocalRefreshCallsTheDelegateWhileRedisIsDown() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (RedisServer redis = RedisServer.start();
             RedisTokenRefresher refresher = RedisTokenRefresher.builder(redis.uri(), "tokens:fallback",
                     current -> AccessToken.of("local-" + calls.incrementAndGet()))
                 .waitTimeout(Duration.ofSeconds(5))
                 .fallbackToLocalRefresh(true)
                 .build()) {
            AccessToken shared = refresher.refresh(null);
            redis.stop();

            long start = System.nanoTime();
            AccessToken local = refresher.refresh(shared);

            assertThat(local.value()).isEqualTo("local-2");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("no wait for waitTimeout")
                .isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void localRefreshWhileRedisIsDownIsNeverGoneBackFromOnceRedisIsBack() throws Exception {
        // every token expired when issued, so each call refreshes and shows which refresh token it presents
        List<String> presented = new CopyOnWriteArrayList<>();
        AtomicInteger issued = new AtomicInteger();
        try (RedisServer redis = RedisServer.start();
             RedisTokenRefresher refresher = RedisTokenRefresher.builder(redis.uri(), "tokens:local-then-back",
                     current -> {
                         presented.add(current == null ? "none" : current.refreshToken().orElseThrow());
                         int n = issued.incrementAndGet();
                         return AccessToken.of("at-" + n, Instant.EPOCH).withRefreshToken("rt-" + n);
                     })
                 .waitTimeout(Duration.ofSeconds(10))
                 .fallbackToLocalRefresh(true)
                 .build()) {
            AccessToken shared = refresher.refresh(null);
            redis.stop();
            // rt-1 is spent here, without Redis: this instance has seen a newer token than Redis holds
            AccessToken local = refresher.refresh(shared);
            redis.startAgain();

            AccessToken afterwards = await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> refresher.refresh(local), token -> token != null);

            assertThat(afterwards.value()).isEqualTo("at-3");
            assertThat(presented).as("refresh tokens presented").containsExactly("none", "rt-1", "rt-2");
        }
    }

    @Test
    void refresherBuiltWhileRedisIsDownConnectsOnceItIsUp() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            redis.stop();
            try (RedisTokenRefresher refresher = RedisTokenRefresher.builder(redis.uri(), "tokens:late-start",
                    current -> AccessToken.of("first"))
                .waitTimeout(WAIT_TIMEOUT)
                .build()) {
                assertThatThrownBy(() -> refresher.refresh(null))
                    .isInstanceOf(RedisTokenRefreshException.class)
                    .hasMessageContaining("unavailable");

                redis.startAgain();

                assertThat(refresher.refresh(null).value()).isEqualTo("first");
            }
        }
    }

    @Test
    void passwordInTheUriAuthenticatesAndAWrongOneFailsWithoutBeingEchoed() throws Exception {
        try (RedisServer redis = RedisServer.start("--requirepass", "right-pass")) {
            String good = "redis://:right-pass@127.0.0.1:" + redis.port();
            String bad = "redis://:wrong-pass@127.0.0.1:" + redis.port();
            try (RedisTokenRefresher authenticated = RedisTokenRefresher.builder(good, "tokens:auth",
                    current -> AccessToken.of("ok"))
                .waitTimeout(AUTH_WAIT_TIMEOUT).build();
                 RedisTokenRefresher refused = RedisTokenRefresher.builder(bad, "tokens:auth",
                         current -> AccessToken.of("unexpected"))
                     .waitTimeout(AUTH_WAIT_TIMEOUT).build()) {
                assertThat(authenticated.refresh(null).value()).isEqualTo("ok");
                assertThatThrownBy(() -> refused.refresh(null))
                    .isInstanceOf(RedisTokenRefreshException.class)
                    .hasMessageContaining("WRONGPASS")
                    .hasMessageContaining("password")
                    .hasMessageNotContaining("wrong-pass")
                    .hasMessageNotContaining("right-pass");
            }
        }
    }

    /**
     * Under load, a later attempt of the same call may see the connection closed before Redis answered; the call
     * still reports the WRONGPASS it got first (issue 20 #2). A server answers the first connection WRONGPASS and
     * closes every later one at once, so the last failure of the call is always the closed connection.
     */
    @Test
    void aWrongPasswordIsReportedEvenIfALaterAttemptOnlySawTheConnectionClosed() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket socket = server.accept()) {
                        if (connections.incrementAndGet() == 1) {
                            // the handshake (HELLO ... AUTH) arrives first; the refusal answers it
                            socket.getInputStream().read(new byte[1024]);
                            socket.getOutputStream().write("-WRONGPASS invalid username-password pair or user is "
                                .concat("disabled.\r\n").getBytes(StandardCharsets.US_ASCII));
                            socket.getOutputStream().flush();
                            socket.getInputStream().read(new byte[1024]);
                        }
                    } catch (IOException closed) {
                        // the test is over, or the client hung up
                    }
                }
            }, "wrongpass-then-close");
            acceptor.setDaemon(true);
            acceptor.start();
            try (RedisTokenRefresher refresher = RedisTokenRefresher.builder("redis://:wrong-pass@127.0.0.1:"
                    + server.getLocalPort(), "tokens:auth", current -> AccessToken.of("unexpected"))
                .waitTimeout(Duration.ofSeconds(2)).build()) {
                assertThatThrownBy(() -> refresher.refresh(null))
                    .isInstanceOf(RedisTokenRefreshException.class)
                    .hasMessageContaining("WRONGPASS")
                    .hasMessageNotContaining("wrong-pass");
            }
        }
        assertThat(connections).as("attempts after the refusal, each closed at once").hasValueGreaterThan(1);
    }

    @Test
    void redissUriTalksTlsToRedis(@TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("redis.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
            "-alias", "redis", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname", "CN=127.0.0.1",
            "-ext", "SAN=ip:127.0.0.1").redirectErrorStream(true).redirectOutput(dir.resolve("keytool.log").toFile())
            .start();
        try {
            assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            keytool.destroyForcibly();
        }
        assertThat(keytool.exitValue()).as(Files.readString(dir.resolve("keytool.log"))).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(keystore.toFile())) {
            store.load(in, "changeit".toCharArray());
        }
        Key key = store.getKey("redis", "changeit".toCharArray());
        Path keyPem = dir.resolve("redis.key");
        Path certPem = dir.resolve("redis.crt");
        Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
        Files.writeString(certPem, pem("CERTIFICATE", store.getCertificate("redis").getEncoded()),
            StandardCharsets.US_ASCII);

        try (RedisServer redis = RedisServer.startTls("--tls-cert-file", certPem.toString(),
                 "--tls-key-file", keyPem.toString(), "--tls-ca-cert-file", certPem.toString());
             // a self-signed test certificate: production URIs keep peer verification on
             RedisTokenRefresher refresher = RedisTokenRefresher.builder(redis.uri() + "?verifyPeer=NONE",
                     "tokens:tls", current -> AccessToken.of("over-tls"))
                 .waitTimeout(Duration.ofSeconds(5))
                 .build()) {
            assertThat(redis.uri()).startsWith("rediss://");
            assertThat(refresher.refresh(null).value()).isEqualTo("over-tls");
            assertThat(refresher.toString()).contains("rediss://127.0.0.1:" + redis.port());
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
            + "\n-----END " + type + "-----\n";
    }
}
