package io.github.tokenrefresh4j.examples;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DemoOptionsTest {

    @Test
    void defaultsRunFifteenSecondsOnEphemeralPortsWithRefreshAheadOff() {
        Demo.Options options = Demo.Options.parse();

        assertThat(options.duration()).isEqualTo(Duration.ofSeconds(15));
        assertThat(options.refreshAhead()).isZero();
        assertThat(new int[] {options.authPort(), options.apiPort(), options.metricsPort()}).containsOnly(0);
    }

    @Test
    void optionsOverrideDefaults() {
        Demo.Options options = Demo.Options.parse("--seconds=4", "--workers=2", "--metrics-port=9400");

        assertThat(options.duration()).isEqualTo(Duration.ofSeconds(4));
        assertThat(options.workers()).isEqualTo(2);
        assertThat(options.metricsPort()).isEqualTo(9400);
    }

    @Test
    void unknownOptionIsNamedWithTheKnownOnes() {
        assertThatThrownBy(() -> Demo.Options.parse("--second=4"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("--second=4")
            .hasMessageContaining("--seconds=");
    }

    @Test
    void badValuesNameTheParameter() {
        assertThatThrownBy(() -> Demo.Options.parse("--workers=0"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("workers must");
        assertThatThrownBy(() -> Demo.Options.parse("--token-lifetime=2"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("tokenLifetime must");
        assertThatThrownBy(() -> Demo.Options.parse("--api-port=70000"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ports must");
        assertThatThrownBy(() -> Demo.Options.parse("--seconds=soon"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("soon");
    }

    @Test
    void runIsCleanOnlyWithoutFailuresAndWithOneTokenRequestPerRefresh() {
        assertThat(result(0, 5, 5).clean()).isTrue();
        assertThat(result(1, 5, 5).clean()).as("a failed call").isFalse();
        assertThat(result(0, 5, 6).clean()).as("a token request beyond the refreshes").isFalse();
    }

    private static Demo.Result result(long failed, long refreshes, long tokenRequests) {
        return new Demo.Result(10, 10 - failed, failed, 0, refreshes, tokenRequests, refreshes - 1, "", 1, 2, 3);
    }
}
