package io.github.tokenrefresh4j;

import io.github.tokenrefresh4j.event.TokenRefreshFailedEvent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** A refresher's failure that says when to ask again sets the failure cooldown, and shows it. */
class RetryAfterHintTest {

    private static final Instant START = Instant.parse("2026-01-01T10:00:00Z");

    static final class Hinted extends Exception implements RetryAfterHint {
        private final Duration hint;

        Hinted(Duration hint) {
            super("endpoint says wait");
            this.hint = hint;
        }

        @Override
        public Optional<Duration> getRetryAfterHint() {
            return Optional.ofNullable(hint);
        }
    }

    @Test
    void aHintLongerThanTheFailureCooldownHoldsTheNextRefresherCallBackAndShowsEverywhere() throws Exception {
        MutableClock clock = new MutableClock(START);
        AtomicInteger calls = new AtomicInteger();
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("hinted", TokenRefreshConfig.custom().clock(clock)
            .refreshExecutor(Runnable::run).build(), current -> {
                calls.incrementAndGet();
                // Wrapped, as an adapter may: the decorator reads the cause chain.
                throw new IllegalStateException(new Hinted(Duration.ofSeconds(90)));
            });
        List<TokenRefreshFailedEvent> events = new CopyOnWriteArrayList<>();
        tokens.getEventPublisher().onRefreshFailed(events::add);

        TokenRefreshException first = catchThrowableOfType(TokenRefreshException.class,
            () -> tokens.executeFunction(AccessToken::value));

        assertThat(first.getMessage()).contains("next attempt allowed in 90000ms");
        assertThat(events).singleElement().extracting(TokenRefreshFailedEvent::getCooldown)
            .isEqualTo(Duration.ofSeconds(90));
        assertThat(tokens.getMetrics().getCooldownEnd()).contains(START.plusSeconds(90));

        clock.advance(Duration.ofSeconds(89));
        catchThrowableOfType(TokenRefreshException.class, () -> tokens.executeFunction(AccessToken::value));
        assertThat(calls).as("refused during the hinted cooldown, though failureCooldown (1 s) is over")
            .hasValue(1);

        clock.advance(Duration.ofSeconds(2));
        catchThrowableOfType(TokenRefreshException.class, () -> tokens.executeFunction(AccessToken::value));
        assertThat(calls).hasValue(2);
    }

    @Test
    void aHintShorterThanTheFailureCooldownOrEmptyOrNegativeLeavesTheFailureCooldown() {
        for (Duration hint : new Duration[] {Duration.ofMillis(10), null, Duration.ofSeconds(-5)}) {
            MutableClock clock = new MutableClock(START);
            TokenRefreshDecorator tokens = TokenRefreshDecorator.of("hinted", TokenRefreshConfig.custom()
                .clock(clock).refreshExecutor(Runnable::run).failureCooldown(Duration.ofSeconds(5)).build(),
                current -> {
                    throw new Hinted(hint);
                });

            TokenRefreshException e = catchThrowableOfType(TokenRefreshException.class,
                () -> tokens.executeFunction(AccessToken::value));

            assertThat(e.getMessage()).as(String.valueOf(hint)).contains("next attempt allowed in 5000ms");
        }
    }

    @Test
    void aHintThatThrowsEvenAnErrorIsNoHintAndLeavesNoRefreshInFlight() {
        RuntimeException broken = new RuntimeException("refresher failed");
        class ThrowingHint extends Exception implements RetryAfterHint {
            ThrowingHint() {
                super("hint throws", broken);
            }

            @Override
            public Optional<Duration> getRetryAfterHint() {
                throw new AssertionError("a broken hint");
            }
        }
        MutableClock clock = new MutableClock(START);
        AtomicInteger calls = new AtomicInteger();
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("hinted", TokenRefreshConfig.custom().clock(clock)
            .refreshExecutor(Runnable::run).failureCooldown(Duration.ofSeconds(5)).build(), current -> {
                calls.incrementAndGet();
                throw new ThrowingHint();
            });

        Throwable first = catchThrowableOfType(Throwable.class, () -> tokens.executeFunction(AccessToken::value));

        // Before: the AssertionError escaped the finish transition (on a pool thread the refresh then stayed in
        // flight until its refreshTimeout); here the executor's catch finished it with the AssertionError instead
        // of the refresher's failure.
        assertThat(first).isInstanceOf(TokenRefreshException.class)
            .hasMessageContaining("next attempt allowed in 5000ms").cause().isInstanceOf(ThrowingHint.class);
        assertThat(tokens.getMetrics().isRefreshInFlight()).isFalse();
        clock.advance(Duration.ofSeconds(6));
        assertThat(catchThrowableOfType(TokenRefreshException.class, () -> tokens.executeFunction(AccessToken::value)))
            .isNotNull();
        assertThat(calls).hasValue(2);
    }
}
