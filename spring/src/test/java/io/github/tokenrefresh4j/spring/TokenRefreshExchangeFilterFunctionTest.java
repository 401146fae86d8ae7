package io.github.tokenrefresh4j.spring;

import io.github.tokenrefresh4j.OneTokenThenFailure;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.support.ClientResponseWrapper;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.test.StepVerifier;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** WebClient on Reactor Netty against a real HTTP server. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TokenRefreshExchangeFilterFunctionTest {

    private static final int STORM = 200;
    private static final Duration HANG_GUARD = Duration.ofSeconds(60);

    private final List<ConnectionProvider> pools = new ArrayList<>();
    private ProtectedApi api;
    private TokenRefreshDecorator tokens;

    @BeforeEach
    void start() throws IOException {
        api = new ProtectedApi();
        tokens = TokenRefreshDecorator.of("orders-api", TokenRefreshConfig.custom()
            .refreshOnResult(TokenRefreshExchangeFilterFunction.INVALID_TOKEN)
            .consumeResultBeforeRetryAttempt(TokenRefreshExchangeFilterFunction.RELEASE_BODY)
            .refreshTimeout(Duration.ofMinutes(1))
            .build(), api.refresher());
    }

    @AfterEach
    void stop() {
        pools.forEach(ConnectionProvider::dispose);
        api.close();
    }

    @Test
    void exchangeRejectedWithARevokedTokenIsMadeAgainWithTheNewOne() {
        WebClient client = webClient(tokens, 16);
        StepVerifier.create(getOrders(client)).expectNext("[]").expectComplete().verify(HANG_GUARD);
        api.revokeAndRejectTogether(1);

        StepVerifier.create(getOrders(client)).expectNext("[]").expectComplete().verify(HANG_GUARD);

        assertThat(api.issued).hasValue(2);
        assertThat(api.requestsWith("Bearer token-1")).isEqualTo(2);
        assertThat(api.requestsWith("Bearer token-2")).isEqualTo(1);
    }

    @Test
    void rejectedBodyIsReleasedBeforeTheExchangeIsMadeAgain() {
        List<String> released = new CopyOnWriteArrayList<>();
        ExchangeFilterFunction recordReleases = (request, next) -> next.exchange(request)
            .map(response -> new ClientResponseWrapper(response) {
                @Override
                public Mono<Void> releaseBody() {
                    released.add(response.statusCode().value() + " " + request.headers().getFirst("Authorization"));
                    return super.releaseBody();
                }
            });
        WebClient client = webClient(TokenRefreshExchangeFilterFunction.decorator("orders-api", api.refresher()), 16)
            .mutate().filter(recordReleases).build();
        StepVerifier.create(getOrders(client)).expectNext("[]").expectComplete().verify(HANG_GUARD);
        api.revokeAndRejectTogether(1);

        StepVerifier.create(getOrders(client)).expectNext("[]").expectComplete().verify(HANG_GUARD);

        assertThat(released).containsExactly("401 Bearer token-1");
        assertThat(api.issued).hasValue(2);
    }

    @Test
    void revokedTokenStormOfTwoHundredExchangesMakesOneRefreshAndAllSucceed() {
        WebClient client = webClient(tokens, STORM + 16);
        StepVerifier.create(getOrders(client)).expectNext("[]").expectComplete().verify(HANG_GUARD);
        api.revokeAndRejectTogether(STORM); // all 200 present token-1 before any is rejected

        Mono<List<String>> storm = Flux.range(0, STORM)
            .flatMap(i -> getOrders(client), STORM)
            .collectList();

        StepVerifier.create(storm)
            .assertNext(bodies -> assertThat(bodies).hasSize(STORM).containsOnly("[]"))
            .expectComplete()
            .verify(HANG_GUARD);
        assertThat(api.issued).as("token-1, then one refresh for the whole storm").hasValue(2);
        assertThat(api.rejections).hasValue(STORM);
        assertThat(api.requestsWith("Bearer token-2")).isEqualTo(STORM);
    }

    @Test
    void decoratorThatWouldNotReleaseRejectedBodiesIsRefusedAtBuildTime() {
        TokenRefreshDecorator closesOnlyAutoCloseables = TokenRefreshDecorator.of("orders-api",
            TokenRefreshConfig.custom().refreshOnResult(TokenRefreshExchangeFilterFunction.INVALID_TOKEN).build(),
            api.refresher());

        assertThatThrownBy(() -> new TokenRefreshExchangeFilterFunction(closesOnlyAutoCloseables))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("tokens")
            .hasMessageContaining("RELEASE_BODY");
    }

    @Test
    void exchangeWithItsOwnAuthorizationIsMadeUnchanged() {
        WebClient client = webClient(tokens, 16);

        StepVerifier.create(client.get().uri("/orders").header("Authorization", "Basic b3JkZXJzOnNlY3JldA==")
                .retrieve().bodyToMono(String.class))
            .expectNext("[]")
            .expectComplete()
            .verify(HANG_GUARD);
        assertThat(api.issued).hasValue(0);
    }

    @Test
    void failedRefreshFailsTheExchangeWithTokenRefreshExceptionWithoutToken() {
        String secret = "at-31-SECRET";
        TokenRefreshDecorator failing = TokenRefreshExchangeFilterFunction.decorator("orders-api",
            new OneTokenThenFailure(secret));
        TokenRefreshExchangeFilterFunction filter = new TokenRefreshExchangeFilterFunction(failing);
        List<String> produced = new ArrayList<>(List.of(filter.toString()));

        StepVerifier.create(getOrders(webClient(failing, 16)))
            .expectErrorSatisfies(e -> {
                assertThat(e).isInstanceOf(TokenRefreshException.class);
                for (Throwable t = e; t != null; t = t.getCause()) {
                    produced.add(String.valueOf(t.getMessage()));
                    produced.add(t.toString());
                }
            })
            .verify(HANG_GUARD);
        assertThat(produced).noneMatch(s -> s.contains(secret));
    }

    private WebClient webClient(TokenRefreshDecorator decorator, int maxConnections) {
        ConnectionProvider pool = ConnectionProvider.builder("orders-" + maxConnections)
            .maxConnections(maxConnections)
            .pendingAcquireMaxCount(-1)
            .pendingAcquireTimeout(Duration.ofSeconds(20))
            .build();
        pools.add(pool);
        return WebClient.builder()
            .baseUrl(api.uri("").toString())
            .clientConnector(new ReactorClientHttpConnector(HttpClient.create(pool)))
            .filter(new TokenRefreshExchangeFilterFunction(decorator))
            .build();
    }

    private static Mono<String> getOrders(WebClient client) {
        return client.get().uri("/orders").retrieve().bodyToMono(String.class);
    }
}
