package io.github.tokenrefresh4j.httpclient5;

import io.github.tokenrefresh4j.BearerAdapterContract;
import io.github.tokenrefresh4j.BearerTestServer;
import io.github.tokenrefresh4j.HoldingRefresher;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.async.methods.SimpleResponseConsumer;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.nio.CapacityChannel;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.nio.entity.AsyncEntityProducerWrapper;
import org.apache.hc.core5.http.nio.entity.AsyncEntityProducers;
import org.apache.hc.core5.http.nio.support.AsyncRequestBuilder;
import org.apache.hc.core5.io.CloseMode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The async client's handler against a real server on loopback: the adapter contract, with the cancellation of the
 * request's future as the caller's cancellation, and the replay of a kept rejection.
 */
class TokenRefreshAsyncExecChainHandlerTest extends BearerAdapterContract {

    private CloseableHttpAsyncClient client;

    @Override
    protected void install(TokenRefreshDecorator tokens) {
        client = HttpAsyncClients.custom()
            .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
                .setMaxConnTotal(CALLS).setMaxConnPerRoute(CALLS).build())
            .addExecInterceptorFirst(TokenRefreshExecChainHandler.NAME,
                new TokenRefreshAsyncExecChainHandler(tokens))
            .build();
        client.start();
    }

    @Override
    protected TokenRefreshConfig.Builder configure(TokenRefreshConfig.Builder config) {
        return TokenRefreshExecChainHandler.configure(config);
    }

    @Override
    protected int status(String path) throws Exception {
        return response(SimpleRequestBuilder.get(api.uri(path)).build()).getCode();
    }

    @Override
    protected int statusWithAuthorization(String path, String authorization) throws Exception {
        return response(SimpleRequestBuilder.get(api.uri(path)).setHeader("Authorization", authorization).build())
            .getCode();
    }

    private SimpleHttpResponse response(SimpleHttpRequest request) throws Exception {
        try {
            return client.execute(request, null).get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        }
    }

    @Override
    protected Future<?> callToCancel(String path) {
        return client.execute(SimpleRequestBuilder.get(api.uri(path)).build(), null);
    }

    @Override
    protected void uninstall() {
        if (client != null) {
            client.close(CloseMode.IMMEDIATE);
        }
    }

    @Test
    void cancelledFutureFailsWithCancellation() throws Exception {
        api = BearerTestServer.start((path, authorization) -> true);
        refresher = HoldingRefresher.tokens().holdFrom(1);
        tokens(Duration.ofMinutes(5));
        Future<?> waiting = callToCancel("/orders");
        refresher.awaitHeld();

        waiting.cancel(true);

        assertThatThrownBy(() -> waiting.get(20, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
    }

    @Test
    void cancellingARequestWaitingForTheRefreshAfterItsRejectionEndsItsWaitAtOnce() throws Exception {
        api = BearerTestServer.accepting("Bearer t2");
        refresher = HoldingRefresher.tokens().holdFrom(2);
        tokens(Duration.ofMinutes(5));
        Future<?> waiting = callToCancel("/orders");
        refresher.awaitHeld(); // t1 was rejected; the refresh to t2 hangs

        waiting.cancel(true);

        assertThatThrownBy(() -> waiting.get(20, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
        refresher.release();
        assertThat(status("/orders")).isEqualTo(200);
        assertThat(refresher.calls).hasValue(2);
        assertThat(api.authorizations()).as("the cancelled request was not sent again")
            .containsExactly("Bearer t1", "Bearer t2");
    }

    @Test
    void keptRejectionIsReplayedWholeWhenNoRetryIsLeft() throws Exception {
        api = BearerTestServer.start((path, authorization) -> false);
        refresher = HoldingRefresher.tokens();
        tokens(Duration.ofSeconds(30));

        SimpleHttpResponse response = response(SimpleRequestBuilder.get(api.uri("/orders")).build());

        assertThat(response.getCode()).isEqualTo(401);
        assertThat(response.getBodyText()).isEqualTo("invalid token");
        assertThat(response.getFirstHeader("WWW-Authenticate").getValue()).contains("invalid_token");
    }

    @Test
    void retriedCallReturnsTheBodyOfItsSecondAttempt() throws Exception {
        api = BearerTestServer.accepting("Bearer t2");
        refresher = HoldingRefresher.tokens();
        tokens(Duration.ofSeconds(30));

        SimpleHttpResponse response = response(SimpleRequestBuilder.get(api.uri("/orders")).build());

        assertThat(response.getCode()).isEqualTo(200);
        assertThat(response.getBodyText()).isEqualTo("ok /orders");
        assertThat(api.authorizations()).containsExactly("Bearer t1", "Bearer t2");
    }

    @Test
    void nonRepeatableEntityIsSentOnceAndItsRejectionReachesTheCaller() throws Exception {
        api = BearerTestServer.accepting("Bearer t2");
        refresher = HoldingRefresher.tokens();
        tokens(Duration.ofSeconds(30));
        AsyncRequestProducer post = AsyncRequestBuilder.post(api.uri("/orders")).setEntity(new OneShotEntity()).build();

        SimpleHttpResponse response = client.execute(post, SimpleResponseConsumer.create(), null)
            .get(20, TimeUnit.SECONDS);

        assertThat(response.getCode()).isEqualTo(401);
        assertThat(api.authorizations()).containsExactly("Bearer t1");
        assertThat(refresher.calls).hasValue(1);
    }

    @Test
    void errorThrownByTheCallersConsumerOnAReplayedRejectionFailsTheRequestInsteadOfLeavingItPending()
        throws Exception {
        api = BearerTestServer.start((path, authorization) -> false);
        refresher = HoldingRefresher.tokens();
        tokens(Duration.ofSeconds(30));
        AsyncRequestProducer get = AsyncRequestBuilder.get(api.uri("/orders")).build();

        Future<SimpleHttpResponse> response = client.execute(get, new ThrowingOn401(), null);

        assertThatThrownBy(() -> response.get(20, TimeUnit.SECONDS))
            .as("the request ends instead of waiting forever")
            .isInstanceOf(ExecutionException.class)
            .hasRootCauseInstanceOf(ConsumerError.class);
        assertThat(api.authorizations()).containsExactly("Bearer t1", "Bearer t2");
    }

    @Test
    void attemptFailedWithACancellationExceptionFromBelowFailsTheRequestInsteadOfLeavingItPending()
        throws Exception {
        api = BearerTestServer.start((path, authorization) -> true);
        refresher = HoldingRefresher.tokens();
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("orders-api",
            TokenRefreshExecChainHandler.configure(TokenRefreshConfig.custom()).build(), refresher);
        client = HttpAsyncClients.custom()
            .addExecInterceptorFirst(TokenRefreshExecChainHandler.NAME, new TokenRefreshAsyncExecChainHandler(tokens))
            .addExecInterceptorAfter(TokenRefreshExecChainHandler.NAME, "cancelled-below",
                (request, entityProducer, scope, chain, callback) ->
                    callback.failed(new CancellationException("a scheduled re-execution was cancelled")))
            .build();
        client.start();

        Future<SimpleHttpResponse> response = client.execute(SimpleRequestBuilder.get(api.uri("/orders")).build(),
            null);

        assertThatThrownBy(() -> response.get(20, TimeUnit.SECONDS))
            .as("the request ends instead of waiting forever")
            .isInstanceOf(ExecutionException.class)
            .hasCauseInstanceOf(CancellationException.class);
    }

    private static final class ConsumerError extends Error {
        ConsumerError() {
            super("the caller's consumer failed");
        }
    }

    /** A response consumer that throws an {@link Error} when it is handed a 401. */
    private static final class ThrowingOn401 implements AsyncResponseConsumer<SimpleHttpResponse> {
        private final AsyncResponseConsumer<SimpleHttpResponse> delegate = SimpleResponseConsumer.create();

        @Override
        public void consumeResponse(HttpResponse response, EntityDetails entityDetails, HttpContext context,
                                    FutureCallback<SimpleHttpResponse> resultCallback)
            throws HttpException, IOException {
            if (response.getCode() == 401) {
                throw new ConsumerError();
            }
            delegate.consumeResponse(response, entityDetails, context, resultCallback);
        }

        @Override
        public void informationResponse(HttpResponse response, HttpContext context)
            throws HttpException, IOException {
            delegate.informationResponse(response, context);
        }

        @Override
        public void failed(Exception cause) {
            delegate.failed(cause);
        }

        @Override
        public void updateCapacity(CapacityChannel capacityChannel) throws IOException {
            delegate.updateCapacity(capacityChannel);
        }

        @Override
        public void consume(ByteBuffer src) throws IOException {
            delegate.consume(src);
        }

        @Override
        public void streamEnd(List<? extends Header> trailers) throws HttpException, IOException {
            delegate.streamEnd(trailers);
        }

        @Override
        public void releaseResources() {
            delegate.releaseResources();
        }
    }

    /** A body producer that cannot start over, as one streaming from a source that is read once. */
    private static final class OneShotEntity extends AsyncEntityProducerWrapper {
        OneShotEntity() {
            super(AsyncEntityProducers.create(new byte[] {1, 2, 3}, ContentType.APPLICATION_OCTET_STREAM));
        }

        @Override
        public boolean isRepeatable() {
            return false;
        }
    }
}
