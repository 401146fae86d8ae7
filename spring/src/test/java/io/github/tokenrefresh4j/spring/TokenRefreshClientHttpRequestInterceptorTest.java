package io.github.tokenrefresh4j.spring;

import io.github.tokenrefresh4j.OneTokenThenFailure;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/** RestClient and RestTemplate against a real HTTP server. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TokenRefreshClientHttpRequestInterceptorTest {

    private static final int STORM = 200;

    private ProtectedApi api;
    private TokenRefreshDecorator tokens;
    private RestClient restClient;

    @BeforeEach
    void start() throws IOException {
        api = new ProtectedApi();
        tokens = TokenRefreshDecorator.of("orders-api", TokenRefreshConfig.custom()
            .refreshOnResult(TokenRefreshClientHttpRequestInterceptor.INVALID_TOKEN)
            .refreshTimeout(Duration.ofMinutes(1)) // a loaded machine; the server paces the storm, not the timeout
            .build(), api.refresher());
        restClient = RestClient.builder()
            .requestFactory(new JdkClientHttpRequestFactory(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .build())) // not Reactor Netty's, which the WebClient tests bring
            .baseUrl(api.uri("").toString())
            .requestInterceptor(new TokenRefreshClientHttpRequestInterceptor(tokens))
            .build();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void restClientRequestRejectedWithARevokedTokenIsSentAgainWithTheNewOne() {
        assertThat(getOrders()).isEqualTo("[]");
        api.revokeAndRejectTogether(1);

        assertThat(getOrders()).isEqualTo("[]");

        assertThat(api.issued).hasValue(2);
        assertThat(api.requestsWith("Bearer token-1")).isEqualTo(2);
        assertThat(api.requestsWith("Bearer token-2")).isEqualTo(1);
    }

    @Test
    void restTemplateRequestRejectedWithARevokedTokenIsSentAgainWithTheNewOne() {
        RestTemplate restTemplate = new RestTemplate();
        restTemplate.getInterceptors().add(new TokenRefreshClientHttpRequestInterceptor(tokens));
        tokens.executeFunction(token -> token);
        api.revokeAndRejectTogether(1);

        ResponseEntity<String> response = restTemplate.getForEntity(api.uri("/orders"), String.class);

        assertThat(response.getStatusCode().value()).isEqualTo(200);
        assertThat(response.getBody()).isEqualTo("[]");
        assertThat(api.issued).hasValue(2);
    }

    @Test
    void rejectedResponseIsClosedBeforeTheRequestIsSentAgain() {
        List<String> closed = new CopyOnWriteArrayList<>();
        ClientHttpRequestInterceptor recordCloses = (request, body, execution) ->
            new RecordingResponse(execution.execute(request, body), closed);
        RestClient recorded = restClient.mutate().requestInterceptor(recordCloses).build();
        tokens.executeFunction(token -> token);
        api.revokeAndRejectTogether(1);

        String body = recorded.get().uri("/orders").retrieve().body(String.class);

        assertThat(body).isEqualTo("[]");
        assertThat(closed).first().isEqualTo("401 before the retry");
    }

    @Test
    void revokedTokenStormOfTwoHundredRequestsMakesOneRefreshAndAllSucceed() throws Exception {
        assertThat(getOrders()).isEqualTo("[]");
        api.revokeAndRejectTogether(STORM); // all 200 present token-1 before any is rejected
        ExecutorService callers = Executors.newFixedThreadPool(STORM);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<String>> calls = new ArrayList<>();
        try {
            for (int i = 0; i < STORM; i++) {
                calls.add(callers.submit(() -> {
                    start.await();
                    return getOrders();
                }));
            }
            start.countDown();
            List<String> bodies = new ArrayList<>();
            for (Future<String> call : calls) {
                bodies.add(call.get(90, TimeUnit.SECONDS));
            }

            assertThat(bodies).hasSize(STORM).containsOnly("[]");
        } finally {
            callers.shutdownNow();
        }
        assertThat(api.issued).as("token-1, then one refresh for the whole storm").hasValue(2);
        assertThat(api.rejections).hasValue(STORM);
        assertThat(api.requestsWith("Bearer token-2")).isEqualTo(STORM);
        // counted by the refresh's thread after it released the storm: wait for it
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
            assertThat(tokens.getMetrics().getNumberOfSuccessfulRefreshes()).isEqualTo(2));
    }

    @Test
    void requestWithItsOwnAuthorizationIsSentUnchanged() {
        String body = restClient.get().uri("/orders").header("Authorization", "Basic b3JkZXJzOnNlY3JldA==")
            .retrieve().body(String.class);

        assertThat(body).isEqualTo("[]");
        assertThat(api.issued).as("no token was needed").hasValue(0);
    }

    @Test
    void failedRefreshReachesTheCallerAsTokenRefreshExceptionWithoutToken() {
        String secret = "at-9c-SECRET";
        TokenRefreshDecorator failing = TokenRefreshClientHttpRequestInterceptor.decorator("orders-api",
            new OneTokenThenFailure(secret));
        TokenRefreshClientHttpRequestInterceptor interceptor = new TokenRefreshClientHttpRequestInterceptor(failing);
        RestClient client = restClient.mutate().requestInterceptors(List::clear).requestInterceptor(interceptor).build();

        Throwable failure = catchThrowable(() -> client.get().uri(api.uri("/orders")).retrieve().body(String.class));

        assertThat(failure).isInstanceOf(TokenRefreshException.class);
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        assertThat(List.of(trace.toString(), failure.getMessage(), interceptor.toString()))
            .noneMatch(s -> s.contains(secret));
    }

    private String getOrders() {
        return restClient.get().uri("/orders").retrieve().body(String.class);
    }

    /** Records when a response is closed, and its status then. */
    private static final class RecordingResponse implements ClientHttpResponse {
        private final ClientHttpResponse delegate;
        private final List<String> closed;

        RecordingResponse(ClientHttpResponse delegate, List<String> closed) {
            this.delegate = delegate;
            this.closed = closed;
        }

        @Override
        public HttpStatusCode getStatusCode() throws IOException {
            return delegate.getStatusCode();
        }

        @Override
        public String getStatusText() throws IOException {
            return delegate.getStatusText();
        }

        @Override
        public org.springframework.http.HttpHeaders getHeaders() {
            return delegate.getHeaders();
        }

        @Override
        public java.io.InputStream getBody() throws IOException {
            return delegate.getBody();
        }

        @Override
        public void close() {
            try {
                if (delegate.getStatusCode().value() == 401) {
                    closed.add("401 before the retry");
                } else {
                    closed.add(delegate.getStatusCode().value() + "");
                }
            } catch (IOException e) {
                closed.add(e.toString());
            }
            delegate.close();
        }
    }
}
