package io.github.tokenrefresh4j;

import io.github.resilience4j.core.IntervalFunction;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenRefreshConfigTest {

    @Test
    void defaultsAreTheDocumentedConstants() {
        TokenRefreshConfig config = TokenRefreshConfig.ofDefaults();

        assertThat(config.getRefreshAhead()).isEqualTo(TokenRefreshConfig.DEFAULT_REFRESH_AHEAD);
        assertThat(config.getRefreshTimeout()).isEqualTo(TokenRefreshConfig.DEFAULT_REFRESH_TIMEOUT);
        assertThat(config.getFailureCooldown().apply(1))
            .isEqualTo(TokenRefreshConfig.DEFAULT_FAILURE_COOLDOWN.toMillis());
        assertThat(config.getMaxRefreshAttemptsPerCall())
            .isEqualTo(TokenRefreshConfig.DEFAULT_MAX_REFRESH_ATTEMPTS_PER_CALL);
        assertThat(config.getRefreshOnException()).isSameAs(TokenRefreshConfig.DEFAULT_REFRESH_ON_EXCEPTION);
        assertThat(config.getRefreshOnResult()).isSameAs(TokenRefreshConfig.DEFAULT_REFRESH_ON_RESULT);
        assertThat(config.getClock()).isEqualTo(Clock.systemUTC());
        assertThat(config.getRefreshExecutor()).isNotNull();
        assertThat(config.getScheduler()).isNotNull();
        assertThat(config.getConsumeResultBeforeRetryAttempt())
            .isSameAs(TokenRefreshConfig.DEFAULT_CONSUME_RESULT_BEFORE_RETRY_ATTEMPT);
    }

    @Test
    void gettersMirrorTheBuilder() {
        Clock clock = Clock.systemDefaultZone();
        Executor executor = Runnable::run;
        IntervalFunction backoff = IntervalFunction.ofExponentialBackoff(Duration.ofSeconds(1), 2);
        TokenRefreshConfig config = TokenRefreshConfig.custom()
            .refreshAhead(Duration.ofSeconds(5))
            .refreshTimeout(Duration.ofSeconds(2))
            .failureCooldown(backoff)
            .maxRefreshAttemptsPerCall(3)
            .clock(clock)
            .refreshExecutor(executor)
            .refreshOnResult(r -> r instanceof Response && ((Response) r).status() == 401)
            .build();

        assertThat(config.getRefreshAhead()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.getRefreshTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.getFailureCooldown()).isSameAs(backoff);
        assertThat(config.getMaxRefreshAttemptsPerCall()).isEqualTo(3);
        assertThat(config.getClock()).isSameAs(clock);
        assertThat(config.getRefreshExecutor()).isSameAs(executor);
        assertThat(config.getRefreshOnResult().test(new Response(401, "x"))).isTrue();
        assertThat(config.getRefreshOnResult().test(new Response(200, "x"))).isFalse();
    }

    @Test
    void fromCopiesTheBase() {
        TokenRefreshConfig base = TokenRefreshConfig.custom().maxRefreshAttemptsPerCall(2)
            .failureCooldown(Duration.ofSeconds(7)).build();
        TokenRefreshConfig derived = TokenRefreshConfig.from(base).refreshAhead(Duration.ZERO).build();

        assertThat(derived.getMaxRefreshAttemptsPerCall()).isEqualTo(2);
        assertThat(derived.getFailureCooldown().apply(1)).isEqualTo(7000L);
        assertThat(derived.getRefreshAhead()).isZero();
        assertThat(base.getRefreshAhead()).isEqualTo(TokenRefreshConfig.DEFAULT_REFRESH_AHEAD);
    }

    @Test
    void negativeDurationsAreRefusedNamingTheParameter() {
        Duration negative = Duration.ofMillis(-1);
        assertThatThrownBy(() -> TokenRefreshConfig.custom().refreshAhead(negative))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("refreshAhead must not be negative");
        assertThatThrownBy(() -> TokenRefreshConfig.custom().refreshTimeout(negative))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("refreshTimeout");
        assertThatThrownBy(() -> TokenRefreshConfig.custom().refreshTimeout(Duration.ZERO))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("refreshTimeout must be positive");
        assertThatThrownBy(() -> TokenRefreshConfig.custom().failureCooldown(negative))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("failureCooldown");
    }

    @Test
    void zeroAttemptsAreRefused() {
        assertThatThrownBy(() -> TokenRefreshConfig.custom().maxRefreshAttemptsPerCall(0))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("maxRefreshAttemptsPerCall must be at least 1, was 0");
    }

    @Test
    void nullsAreRefusedNamingTheParameter() {
        TokenRefreshConfig.Builder builder = TokenRefreshConfig.custom();
        assertThatThrownBy(() -> builder.refreshOnException(null)).hasMessage("refreshOnException must not be null");
        assertThatThrownBy(() -> builder.refreshOnResult(null)).hasMessage("refreshOnResult must not be null");
        assertThatThrownBy(() -> builder.refreshAhead(null)).hasMessage("refreshAhead must not be null");
        assertThatThrownBy(() -> builder.refreshTimeout(null)).hasMessage("refreshTimeout must not be null");
        assertThatThrownBy(() -> builder.failureCooldown((Duration) null))
            .hasMessage("failureCooldown must not be null");
        assertThatThrownBy(() -> builder.failureCooldown((IntervalFunction) null))
            .hasMessage("failureCooldown must not be null");
        assertThatThrownBy(() -> builder.clock(null)).hasMessage("clock must not be null");
        assertThatThrownBy(() -> builder.consumeResultBeforeRetryAttempt(null))
            .hasMessage("consumeResultBeforeRetryAttempt must not be null");
        assertThatThrownBy(() -> builder.refreshExecutor(null)).hasMessage("refreshExecutor must not be null");
        assertThatThrownBy(() -> builder.scheduler(null)).hasMessage("scheduler must not be null");
        assertThatThrownBy(() -> TokenRefreshConfig.from(null)).hasMessage("baseConfig must not be null");
    }

    @Test
    void durationsTooLongToCountInNanosecondsAreRefusedNamingTheParameter() {
        Duration tooLong = Duration.ofDays(200_000);

        assertThatThrownBy(() -> TokenRefreshConfig.custom().refreshTimeout(tooLong))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("refreshTimeout must be at most");
        assertThatThrownBy(() -> TokenRefreshConfig.custom().refreshAhead(tooLong))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("refreshAhead must be at most");
        assertThatThrownBy(() -> TokenRefreshConfig.custom().failureCooldown(tooLong))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("failureCooldown must be at most");
        assertThat(TokenRefreshConfig.custom().refreshTimeout(Duration.ofDays(36_500)).build().getRefreshTimeout())
            .isEqualTo(Duration.ofDays(36_500));
    }
}
