package io.github.tokenrefresh4j;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** No token or refresh-token value appears in any string the core produces. */
class SecretsTest {

    private static final String ACCESS = "access-SECRET-4f1c";
    private static final String REFRESH = "refresh-SECRET-9a2e";

    private final List<String> produced = new CopyOnWriteArrayList<>();
    private final Logger libraryLogger = Logger.getLogger("io.github.tokenrefresh4j");
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            produced.add(String.valueOf(record.getMessage()));
            if (record.getThrown() != null) {
                produced.add(stackTrace(record.getThrown()));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureLogs() {
        libraryLogger.addHandler(capture);
        libraryLogger.setLevel(Level.ALL);
    }

    @AfterEach
    void stopCapturing() {
        libraryLogger.removeHandler(capture);
        libraryLogger.setLevel(null);
    }

    @Test
    void successFailureTimeoutAndCooldownNeverRevealTheTokens() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        CountDownLatch hang = new CountDownLatch(1);
        ScriptedRefresher refresher = new ScriptedRefresher();
        refresher.answer = n -> {
            if (n == 2) {
                throw new ScriptedRefresher.RefresherFailure(new java.io.IOException("endpoint down"));
            }
            if (n == 3) {
                try {
                    hang.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return AccessToken.of(ACCESS + n, clock.instant().plusSeconds(60)).withRefreshToken(REFRESH + n);
        };
        TokenRefreshConfig config = TokenRefreshConfig.custom().clock(clock)
            .refreshOnResult(Response::isUnauthorized)
            .refreshTimeout(Duration.ofMillis(100)).failureCooldown(Duration.ofSeconds(1)).build();
        TokenRefreshDecorator decorator = TokenRefreshDecorator.of("secrets", config, refresher);
        decorator.getEventPublisher().onEvent(event -> produced.add(event.toString()));
        decorator.getEventPublisher().onEvent(event -> {
            throw new IllegalStateException("consumer failure is logged");
        });

        AccessToken token = decorator.executeFunction(t -> t);                       // success
        produced.add(token.toString());
        record(catchThrowable(() -> decorator.executeFunction(t -> new Response(401, t.value())))); // failure
        record(catchThrowable(() -> decorator.executeFunction(t -> t)));            // cooldown refusal
        clock.advance(Duration.ofSeconds(2));
        record(catchThrowable(() -> decorator.executeFunction(t -> t)));            // timeout
        hang.countDown();
        produced.add(decorator.toString());
        produced.add(config.toString());
        produced.add(decorator.currentToken().toString());

        assertThat(produced).hasSizeGreaterThan(8);
        assertThat(produced).allSatisfy(text -> assertThat(text).doesNotContain("SECRET"));
    }

    private void record(Throwable thrown) {
        assertThat(thrown).isInstanceOf(TokenRefreshException.class);
        produced.add(thrown.getMessage());
        produced.add(stackTrace(thrown));
    }

    private static String stackTrace(Throwable thrown) {
        StringWriter out = new StringWriter();
        thrown.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
