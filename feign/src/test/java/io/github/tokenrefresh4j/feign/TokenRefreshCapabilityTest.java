package io.github.tokenrefresh4j.feign;

import feign.Feign;
import feign.FeignException;
import feign.Headers;
import feign.Param;
import feign.RequestLine;
import feign.RetryableException;
import feign.Retryer;
import io.github.tokenrefresh4j.BearerAdapterContract;
import io.github.tokenrefresh4j.BearerTestServer;
import io.github.tokenrefresh4j.HoldingRefresher;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The capability's client against a real server on loopback, through Feign's default client: the adapter contract,
 * with the thread's interrupt as the caller's cancellation, and how it composes with Feign's {@code Retryer}.
 */
class TokenRefreshCapabilityTest extends BearerAdapterContract {

    interface Api {
        @RequestLine("GET /{path}")
        String get(@Param("path") String path);

        @RequestLine("GET /{path}")
        @Headers("Authorization: {authorization}")
        String get(@Param("path") String path, @Param("authorization") String authorization);
    }

    /** Counts what Feign's retryer is asked (it is asked about I/O errors only), and never retries. */
    static final class CountingRetryer implements Retryer {
        final AtomicInteger asked = new AtomicInteger();

        @Override
        public void continueOrPropagate(RetryableException e) {
            asked.incrementAndGet();
            throw e;
        }

        @Override
        public Retryer clone() {
            return this;
        }
    }

    private final CountingRetryer retryer = new CountingRetryer();
    private Api client;

    @Override
    protected void install(TokenRefreshDecorator tokens) {
        client = Feign.builder()
            .retryer(retryer)
            .addCapability(new TokenRefreshCapability(tokens))
            .target(Api.class, api.uri("").toString());
    }

    @Override
    protected TokenRefreshConfig.Builder configure(TokenRefreshConfig.Builder config) {
        return config.refreshOnResult(TokenRefreshCapability.INVALID_TOKEN);
    }

    /** Feign hands a body back for a 2xx and throws a FeignException carrying the status for the others. */
    @Override
    protected int status(String path) {
        try {
            client.get(path.substring(1));
            return 200;
        } catch (FeignException e) {
            return e.status();
        }
    }

    @Override
    protected int statusWithAuthorization(String path, String authorization) {
        try {
            client.get(path.substring(1), authorization);
            return 200;
        } catch (FeignException e) {
            return e.status();
        }
    }

    @Override
    protected void uninstall() {
    }

    @Test
    void rejectedCallIsSentAgainInsideTheClientWithoutAskingFeignsRetryer() throws Exception {
        api = BearerTestServer.accepting("Bearer t2");
        refresher = HoldingRefresher.tokens();
        tokens(Duration.ofSeconds(30));

        assertThat(client.get("orders")).isEqualTo("ok /orders");
        assertThat(api.authorizations()).containsExactly("Bearer t1", "Bearer t2");
        assertThat(retryer.asked).hasValue(0);
    }

    @Test
    void callRejectedAgainReachesTheCallerAsFeignsUnauthorized() throws Exception {
        api = BearerTestServer.start((path, authorization) -> false);
        refresher = HoldingRefresher.tokens();
        tokens(Duration.ofSeconds(30));

        assertThatThrownBy(() -> client.get("orders")).isInstanceOf(FeignException.Unauthorized.class);
        assertThat(retryer.asked).as("a 401 is not the retryer's business").hasValue(0);
    }

    @Test
    void toStringNamesTheDecoratorNeverAToken() {
        TokenRefreshDecorator tokens = TokenRefreshCapability.decorator("orders-api", HoldingRefresher.tokens());

        assertThat(new TokenRefreshCapability(tokens)).hasToString("TokenRefreshCapability{orders-api}");
        assertThatThrownBy(() -> new TokenRefreshCapability(null))
            .isInstanceOf(NullPointerException.class).hasMessageContaining("tokens");
    }
}
