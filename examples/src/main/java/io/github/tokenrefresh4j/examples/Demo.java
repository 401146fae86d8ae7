package io.github.tokenrefresh4j.examples;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** A placeholder demo: 50 concurrent calls find no token and share one refresh. */
public final class Demo {

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        AtomicInteger tokenRequests = new AtomicInteger();
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("demo", TokenRefreshConfig.ofDefaults(),
            current -> {
                tokenRequests.incrementAndGet();
                Thread.sleep(50);
                return AccessToken.of("token-" + tokenRequests.get());
            });
        Supplier<String> call = TokenRefreshDecorator.decorateFunction(tokens, token -> "ok");
        ExecutorService pool = Executors.newFixedThreadPool(50);
        List<Future<String>> results = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            results.add(pool.submit(call::get));
        }
        for (Future<String> result : results) {
            result.get();
        }
        pool.shutdown();
        System.out.println("demo: calls=50 refreshes=" + tokens.getMetrics().getNumberOfSuccessfulRefreshes()
            + " token_requests=" + tokenRequests.get());
    }
}
