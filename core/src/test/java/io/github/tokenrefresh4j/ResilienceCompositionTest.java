package io.github.tokenrefresh4j;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.decorators.Decorators;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The recommended order: the token decorator innermost, then CircuitBreaker, then Retry. */
class ResilienceCompositionTest {

    static final class ServiceUnavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    @Test
    void retryHandlesTransientFailuresWhileTheDecoratorHandlesRejectedTokens() {
        AtomicInteger refreshes = new AtomicInteger();
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("api", TokenRefreshConfig.custom()
            .refreshOnResult(Response::isUnauthorized).build(),
            current -> AccessToken.of("t" + refreshes.incrementAndGet()));
        Retry retry = Retry.of("api", RetryConfig.custom().maxAttempts(3).waitDuration(Duration.ofMillis(1))
            .retryExceptions(ServiceUnavailable.class).build());
        CircuitBreaker circuitBreaker = CircuitBreaker.of("api", CircuitBreakerConfig.ofDefaults());
        // The server answers: 503, then 401 for t1, then 200.
        List<String> answers = new ArrayList<>();
        AtomicInteger requests = new AtomicInteger();
        Supplier<Response> call = TokenRefreshDecorator.decorateFunction(tokens, token -> {
            int n = requests.incrementAndGet();
            answers.add(n + ":" + token.value());
            if (n == 1) {
                throw new ServiceUnavailable();
            }
            return new Response(token.value().equals("t1") ? 401 : 200, token.value());
        });

        Response response = Decorators.ofSupplier(call)
            .withCircuitBreaker(circuitBreaker)
            .withRetry(retry)
            .get();

        assertThat(response.status).isEqualTo(200);
        assertThat(answers).containsExactly("1:t1", "2:t1", "3:t2");
        assertThat(refreshes).hasValue(2);
        assertThat(retry.getMetrics().getNumberOfSuccessfulCallsWithRetryAttempt()).isEqualTo(1);
        assertThat(circuitBreaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
        assertThat(circuitBreaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
    }
}
