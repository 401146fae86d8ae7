package io.github.tokenrefresh4j.okhttp;

import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A server that holds its {@code 401 invalid_token} answers to token-1 until {@code calls} requests have presented
 * it, so that they are all rejected together, and answers 200 to any other token; it counts requests by token.
 */
final class RejectTogether extends Dispatcher {

    private final CountDownLatch allPresentedFirstToken;
    private final ConcurrentHashMap<String, AtomicInteger> byToken = new ConcurrentHashMap<>();

    RejectTogether(int calls) {
        allPresentedFirstToken = new CountDownLatch(calls);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        String authorization = request.getHeaders().get("Authorization");
        byToken.computeIfAbsent(String.valueOf(authorization), a -> new AtomicInteger()).incrementAndGet();
        if ("Bearer token-1".equals(authorization)) {
            allPresentedFirstToken.countDown();
            allPresentedFirstToken.await(10, TimeUnit.SECONDS);
            return BearerTokenInterceptorTest.invalidToken();
        }
        return new MockResponse.Builder().code(200).body("[]").build();
    }

    int requestsWith(String authorization) {
        AtomicInteger count = byToken.get(authorization);
        return count == null ? 0 : count.get();
    }

    /** Makes {@code calls} calls at once, each on its own thread, and returns their status codes. */
    static List<Integer> callConcurrently(OkHttpClient client, HttpUrl url, int calls) throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(calls);
        try {
            List<Future<Integer>> started = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                started.add(callers.submit(() -> {
                    try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
                        return response.code();
                    }
                }));
            }
            List<Integer> codes = new ArrayList<>();
            for (Future<Integer> call : started) {
                codes.add(call.get(20, TimeUnit.SECONDS));
            }
            return codes;
        } finally {
            callers.shutdownNow();
        }
    }
}
