package io.github.tokenrefresh4j.vavr;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.vavr.control.Try;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

class VavrTokenRefreshTest {

    static final class Unauthorized extends Exception {
        private static final long serialVersionUID = 1L;
    }

    private final AtomicInteger refreshes = new AtomicInteger();
    private final TokenRefreshDecorator decorator = TokenRefreshDecorator.of("vavr",
        TokenRefreshConfig.custom().refreshOnException(t -> t instanceof Unauthorized).build(),
        current -> AccessToken.of("t" + refreshes.incrementAndGet()));

    @Test
    void failedTryWithARejectingCauseRefreshesAndRetries() {
        AtomicInteger attempts = new AtomicInteger();
        Supplier<Try<String>> call = VavrTokenRefresh.decorateTry(decorator, token ->
            attempts.getAndIncrement() == 0 ? Try.failure(new Unauthorized()) : Try.success(token.value()));

        assertThat(call.get().get()).isEqualTo("t2");
        assertThat(refreshes).hasValue(2);
    }

    @Test
    void otherFailureStaysTheSameInstance() {
        IOException io = new IOException("network");
        Try<String> result = VavrTokenRefresh.executeTry(decorator, token -> Try.failure(io));

        assertThat(result.isFailure()).isTrue();
        assertThat(result.getCause()).isSameAs(io);
        assertThat(refreshes).hasValue(1);
    }

    @Test
    void failedRefreshIsAFailedTry() {
        TokenRefreshDecorator failing = TokenRefreshDecorator.of("failing", TokenRefreshConfig.ofDefaults(),
            current -> {
                throw new IOException("token endpoint down");
            });

        Try<String> result = VavrTokenRefresh.executeTry(failing, token -> Try.success("never"));

        assertThat(result.getCause()).isInstanceOf(TokenRefreshException.class)
            .hasCauseInstanceOf(IOException.class);
    }
}
