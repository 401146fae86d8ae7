package io.github.tokenrefresh4j;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Virtual threads exist from JDK 21; the project compiles for 17, so the executor is looked up reflectively and
 * this test runs on the newer JDK in CI.
 */
@EnabledForJreRange(min = JRE.JAVA_21)
class VirtualThreadTest {

    @Test
    void tenThousandVirtualThreadsShareOneRefresh() throws Exception {
        ScriptedRefresher refresher = new ScriptedRefresher().hold();
        TokenRefreshDecorator decorator = TokenRefreshDecorator.ofDefaults("virtual", refresher);
        Supplier<String> call = TokenRefreshDecorator.decorateFunction(decorator, AccessToken::value);

        ExecutorService virtualThreads = (ExecutorService) Executors.class
            .getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                results.add(virtualThreads.submit(call::get));
            }
            await().until(() -> decorator.getMetrics().getNumberOfWaitingCalls() == 10_000);
            refresher.open();

            for (Future<String> result : results) {
                assertThat(result.get()).isEqualTo("t1");
            }
        } finally {
            virtualThreads.shutdownNow();
        }
        assertThat(refresher.calls).hasValue(1);
        assertThat(decorator.getMetrics().getNumberOfCoalescedCalls()).isEqualTo(9_999);
        assertThat(decorator.getMetrics().getNumberOfWaitingCalls()).isZero();
    }
}
