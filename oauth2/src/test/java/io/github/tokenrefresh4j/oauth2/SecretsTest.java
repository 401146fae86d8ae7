package io.github.tokenrefresh4j.oauth2;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * No client secret, assertion, token or refresh token in any message, toString or log line, even from a server
 * that echoes what it received.
 */
class SecretsTest {

    private static final String CLIENT_SECRET = "client-secret-Zq9+/x";
    private static final String REFRESH_TOKEN = "refresh-token-Yw8+/y";
    private static final String ACCESS_TOKEN = "access-token-Xv7";

    private final List<String> logLines = new ArrayList<>();
    private final Logger julLogger = Logger.getLogger(OAuth2TokenRefresher.class.getName());
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            synchronized (logLines) {
                logLines.add(new java.util.logging.SimpleFormatter().format(record));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private Level previousLevel;
    private TokenEndpointStub endpoint;
    private final List<String> secrets = new ArrayList<>(List.of(CLIENT_SECRET, REFRESH_TOKEN, ACCESS_TOKEN,
        URLEncoder.encode(CLIENT_SECRET, StandardCharsets.UTF_8),
        URLEncoder.encode(REFRESH_TOKEN, StandardCharsets.UTF_8)));

    @BeforeEach
    void start() throws Exception {
        endpoint = new TokenEndpointStub();
        previousLevel = julLogger.getLevel();
        julLogger.setLevel(Level.ALL);
        julLogger.addHandler(capture);
    }

    @AfterEach
    void stop() {
        julLogger.removeHandler(capture);
        julLogger.setLevel(previousLevel);
        endpoint.close();
    }

    /** Echoes everything the request carried: its Authorization header and its whole form body. */
    private static final Function<TokenEndpointStub.Received, String> ECHO_AS_JSON = request ->
        "{\"error\":\"invalid_grant\",\"error_description\":\"got " + request.authorization() + " and "
            + request.body() + " and " + String.join(",", request.form().values()) + "\"}";

    private static final Function<TokenEndpointStub.Received, String> ECHO_AS_HTML = request ->
        "<html><body>\n<p>" + request.authorization() + "</p>\n<pre>" + request.body() + "</pre></body></html>";

    @Test
    void refreshTokenGrantWithClientSecretBasic() throws Exception {
        secrets.add(Base64.getEncoder().encodeToString(("orders-client:" + URLEncoder.encode(CLIENT_SECRET,
            StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)));
        endpoint.answer(400, "application/json", ECHO_AS_JSON)
            .answer(400, "application/json", ECHO_AS_JSON)
            .answer(500, "text/html", ECHO_AS_HTML)
            .json(200, "{\"access_token\":\"" + ACCESS_TOKEN + "\",\"token_type\":\"Bearer\",\"expires_in\":60,"
                + "\"refresh_token\":\"" + REFRESH_TOKEN + "-2\"}")
            .json(200, "{\"access_token\":\"" + ACCESS_TOKEN + "\",\"expires_in\":60}");
        OAuth2TokenRefresher refresher = OAuth2TokenRefresher.refreshToken(endpoint.uri(), "orders-client",
            CLIENT_SECRET, REFRESH_TOKEN).scope("orders").fallbackToClientCredentials().build();

        List<Throwable> failures = new ArrayList<>();
        // invalid_grant echoed, then the fallback's answer echoed too.
        failures.add(catchThrowable(() -> refresher.refresh(null)));
        failures.add(catchThrowable(() -> refresher.refresh(AccessToken.of("old").withRefreshToken(REFRESH_TOKEN))));
        AccessToken token = refresher.refresh(AccessToken.of("old").withRefreshToken(REFRESH_TOKEN));
        // A 200 with the token but no token_type.
        failures.add(catchThrowable(() -> refresher.refresh(token)));

        assertThat(failures).allMatch(TokenEndpointException.class::isInstance);
        assertNoSecretIn(failures, refresher.toString(), token.toString());
    }

    @Test
    void clientSecretPostAndPrivateKeyJwtThroughTheDecorator() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        endpoint.answer(401, "application/json", request -> {
            synchronized (secrets) {
                secrets.add(request.form().get("client_assertion"));
            }
            return ECHO_AS_JSON.apply(request);
        }).answer(400, "application/json", ECHO_AS_JSON);
        OAuth2TokenRefresher signed = OAuth2TokenRefresher.builder(endpoint.uri())
            .privateKeyJwt("orders-client", rsa.generateKeyPair().getPrivate(), "k1").clientCredentialsGrant().build();
        OAuth2TokenRefresher posted = OAuth2TokenRefresher.builder(endpoint.uri())
            .clientSecretPost("orders-client", CLIENT_SECRET).refreshTokenGrant(REFRESH_TOKEN).build();

        List<Throwable> failures = new ArrayList<>();
        for (OAuth2TokenRefresher refresher : List.of(signed, posted)) {
            TokenRefreshDecorator tokens = TokenRefreshDecorator.of("orders-api", TokenRefreshConfig.ofDefaults(),
                refresher);
            failures.add(catchThrowable(() -> tokens.executeFunction(AccessToken::value)));
        }

        assertThat(secrets).hasSize(6);
        assertNoSecretIn(failures, signed.toString(), posted.toString());
    }

    private void assertNoSecretIn(List<Throwable> failures, String... strings) {
        List<String> texts = new ArrayList<>(List.of(strings));
        for (Throwable failure : failures) {
            StringWriter trace = new StringWriter();
            failure.printStackTrace(new PrintWriter(trace));
            texts.add(trace.toString());
            for (Throwable t = failure; t != null; t = t.getCause()) {
                if (t instanceof TokenEndpointException) {
                    TokenEndpointException e = (TokenEndpointException) t;
                    texts.add(e.getError().orElse("") + e.getErrorDescription().orElse(""));
                }
            }
        }
        synchronized (logLines) {
            assertThat(logLines).as("log lines captured").isNotEmpty();
            texts.addAll(logLines);
        }
        assertThat(texts).allSatisfy(text -> assertThat(text).doesNotContain(secrets));
        assertThat(String.join("\n", texts)).contains("***");
    }
}
