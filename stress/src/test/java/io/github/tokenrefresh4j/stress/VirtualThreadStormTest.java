package io.github.tokenrefresh4j.stress;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 20,000 virtual threads need a new token at once (the first of them rejected it) while its refresher is blocked: one refresher call, every
 * thread gets the new token, none is left waiting. Virtual threads that park on the refresh must not pin their
 * carriers (the core takes no monitor while it waits), or this storm would stall on a 2-core machine.
 * Runs on JDK 21+ (CI runs the suite on JDK 25 too).
 */
@EnabledForJreRange(min = JRE.JAVA_21)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VirtualThreadStormTest {

    private static final int THREADS = 20_000;

    @Test
    void twentyThousandVirtualThreadsNeedingANewTokenShareOneRefresh() throws Exception {
        AtomicInteger refresherCalls = new AtomicInteger();
        CountDownLatch endpointAnswers = new CountDownLatch(1);
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("storm", TokenRefreshConfig.custom()
            .refreshOnResult("401"::equals).refreshTimeout(Duration.ofSeconds(30)).build(), current -> {
                if (refresherCalls.incrementAndGet() > 1) {
                    endpointAnswers.await();
                }
                return AccessToken.of("t" + refresherCalls.get());
            });
        AccessToken first = tokens.executeFunction(token -> token);

        List<Future<String>> calls = new ArrayList<>(THREADS);
        ExecutorService threads = Threads.newVirtualThreadPerTaskExecutor();
        try {
            for (int i = 0; i < THREADS; i++) {
                calls.add(threads.submit(() -> tokens.executeFunction(token -> token == first ? "401" : token.value())));
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == THREADS);
            endpointAnswers.countDown();
            for (Future<String> call : calls) {
                assertThat(call.get(30, TimeUnit.SECONDS)).isEqualTo("t2");
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(refresherCalls).hasValue(2);
        assertThat(tokens.getMetrics().getNumberOfWaitingCalls()).isZero();
        // Calls that start after the first rejection see the token already rejected and join without rejecting it.
        assertThat(tokens.getMetrics().getNumberOfRejectedTokens()).isBetween(1L, (long) THREADS);
    }
}
