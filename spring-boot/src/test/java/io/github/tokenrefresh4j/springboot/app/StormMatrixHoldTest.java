package io.github.tokenrefresh4j.springboot.app;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link StormMatrix#step}'s hold: a token response that its guard released, before the calls it waited for had
 * joined, fails the step. Otherwise a storm whose callers were held up (by a lock, a starved pool) until the guard
 * let the response go could still pass, only slower, when they joined in the short while after it.
 */
class StormMatrixHoldTest {

    @Test
    void aTokenResponseReleasedByTheGuardBeforeTheCallsJoinedFailsTheStep() {
        // no meter of this registration ever counts a coalesced call: the hold's condition never holds
        assertThatThrownBy(() -> StormMatrix.step(new SimpleMeterRegistry(), "storm-hold-guard", 2,
            Duration.ofMillis(500), StormMatrixHoldTest::oneTokenRequest))
            .isInstanceOf(AssertionError.class)
            .hasMessageContaining("released by the hold's guard");
    }

    /** @return 1, after one client_credentials token request answered by the authorization server */
    private static long oneTokenRequest() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(AuthorizationServer.get().tokenUri()))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(
                "grant_type=client_credentials&client_id=hold-guard&client_secret=secret&scope=api"))
            .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return 1;
    }
}
