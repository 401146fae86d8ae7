package io.github.tokenrefresh4j.httpclient5;

import io.github.tokenrefresh4j.BearerAdapterContract;
import io.github.tokenrefresh4j.BearerTestServer;
import io.github.tokenrefresh4j.HoldingRefresher;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.classic.RequestFailedException;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The classic client's handler against a real server on loopback: the adapter contract, with the thread's interrupt
 * as the caller's cancellation, the request's own {@code cancel()}, and what is particular to a request entity that
 * cannot be sent twice.
 */
class TokenRefreshExecChainHandlerTest extends BearerAdapterContract {

    private CloseableHttpClient client;

    @Override
    protected void install(TokenRefreshDecorator tokens) {
        client = HttpClients.custom()
            .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofSeconds(20)).build())
            .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnTotal(CALLS).setMaxConnPerRoute(CALLS).build())
            .addExecInterceptorFirst(TokenRefreshExecChainHandler.NAME, new TokenRefreshExecChainHandler(tokens))
            .build();
    }

    @Override
    protected TokenRefreshConfig.Builder configure(TokenRefreshConfig.Builder config) {
        return TokenRefreshExecChainHandler.configure(config);
    }

    @Override
    protected int status(String path) throws IOException {
        return status(new HttpGet(api.uri(path)));
    }

    @Override
    protected int statusWithAuthorization(String path, String authorization) throws IOException {
        HttpGet request = new HttpGet(api.uri(path));
        request.setHeader("Authorization", authorization);
        return status(request);
    }

    private int status(ClassicHttpRequest request) throws IOException {
        return client.execute(request, response -> {
            EntityUtils.consume(response.getEntity());
            return response.getCode();
        });
    }

    @Override
    protected void uninstall() throws IOException {
        if (client != null) {
            client.close();
        }
    }

    @Test
    void nonRepeatableEntityIsSentOnceAndItsRejectionReachesTheCaller() throws Exception {
        api = BearerTestServer.accepting("Bearer t2");
        refresher = HoldingRefresher.tokens();
        tokens(Duration.ofSeconds(30));
        HttpPost post = new HttpPost(api.uri("/orders"));
        post.setEntity(new InputStreamEntity(new ByteArrayInputStream(new byte[] {1, 2, 3}), 3,
            ContentType.APPLICATION_OCTET_STREAM));

        assertThat(status(post)).isEqualTo(401);
        assertThat(api.authorizations()).containsExactly("Bearer t1");
        assertThat(refresher.calls).hasValue(1);
        assertThat(status("/orders")).as("a repeatable request finds the token rejected").isEqualTo(200);
        assertThat(refresher.calls).hasValue(2);
    }

    @Test
    void cancellingARequestEndsItsWaitAtOnceAndLeavesTheRefreshToItsOtherWaiters() throws Exception {
        api = BearerTestServer.start((path, authorization) -> true);
        refresher = HoldingRefresher.tokens().holdFrom(1);
        TokenRefreshDecorator tokens = tokens(Duration.ofMinutes(5));
        HttpGet request = new HttpGet(api.uri("/orders"));
        Future<Integer> cancelled = callers.submit(() -> status(request));
        Future<Integer> other = callers.submit(() -> status("/orders"));
        refresher.awaitHeld();
        await().atMost(Duration.ofSeconds(20)).until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 2);

        request.cancel(); // from this thread, while the refresher still hangs

        assertThatThrownBy(() -> cancelled.get(20, TimeUnit.SECONDS))
            .as("HttpClient's own exception for an aborted request, long before the 5 minutes' refreshTimeout")
            .isInstanceOf(ExecutionException.class)
            .cause().isInstanceOf(RequestFailedException.class)
            .hasMessageContaining("cancelled while waiting for an access token");
        assertThat(other).as("the other waiter still waits for the refresh").isNotDone();
        refresher.release();
        assertThat(other.get(20, TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(refresher.calls).as("the cancelled request left the shared refresh alone").hasValue(1);
        assertThat(api.authorizations()).as("nothing was sent for the cancelled request").containsExactly("Bearer t1");
    }

    /** HttpClient does not refuse a cancelled request up front: the handler's dependency, set on it, ends the wait. */
    @Test
    void aRequestCancelledBeforeItIsExecutedDoesNotWaitForTheRefresh() throws Exception {
        api = BearerTestServer.start((path, authorization) -> true);
        refresher = HoldingRefresher.tokens().holdFrom(1);
        tokens(Duration.ofMinutes(5));
        Future<Integer> other = callers.submit(() -> status("/orders"));
        refresher.awaitHeld();
        HttpGet request = new HttpGet(api.uri("/orders"));
        request.cancel();

        assertThatThrownBy(() -> status(request)).as("long before the 5 minutes' refreshTimeout")
            .isInstanceOf(RequestFailedException.class);
        refresher.release();
        assertThat(other.get(20, TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(api.authorizations()).as("nothing was sent for the cancelled request").containsExactly("Bearer t1");
    }

    @Test
    void cancellingARequestWaitingForTheRefreshAfterItsRejectionEndsItsWaitAtOnce() throws Exception {
        api = BearerTestServer.accepting("Bearer t2");
        refresher = HoldingRefresher.tokens().holdFrom(2);
        TokenRefreshDecorator tokens = tokens(Duration.ofMinutes(5));
        HttpGet request = new HttpGet(api.uri("/orders"));
        Future<Integer> cancelled = callers.submit(() -> status(request));
        refresher.awaitHeld(); // t1 was rejected; the refresh to t2 hangs
        await().atMost(Duration.ofSeconds(20)).until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 1);

        request.cancel();

        assertThatThrownBy(() -> cancelled.get(20, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .cause().isInstanceOf(RequestFailedException.class);
        refresher.release();
        assertThat(status("/orders")).isEqualTo(200);
        assertThat(refresher.calls).hasValue(2);
        assertThat(api.authorizations()).as("the cancelled request was not sent again")
            .containsExactly("Bearer t1", "Bearer t2");
    }

    @Test
    void toStringNamesTheDecoratorNeverAToken() {
        TokenRefreshDecorator tokens = TokenRefreshExecChainHandler.decorator("orders-api", HoldingRefresher.tokens());

        assertThat(new TokenRefreshExecChainHandler(tokens)).hasToString("TokenRefreshExecChainHandler{orders-api}");
        assertThatThrownBy(() -> new TokenRefreshExecChainHandler(null))
            .isInstanceOf(NullPointerException.class).hasMessageContaining("tokens");
    }
}
