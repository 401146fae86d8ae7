package io.github.tokenrefresh4j.mcp;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.ManualScheduler;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefresher;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.HttpClientSseClientTransport;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException;
import io.modelcontextprotocol.client.transport.customizer.McpHttpClientTransportAuthorizationErrorHandler;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The customizer and handler against an MCP server made with the SDK's own server transport in Tomcat, behind a
 * bearer check that can expire tokens, with the asynchronous and the synchronous customizer and handler: the five
 * behaviours of issue 23.
 */
class TokenRefreshMcpTransportTest {

    enum Mode { ASYNC, SYNC }

    private static final int CALLS = 64;

    private final AtomicInteger refreshes = new AtomicInteger();
    private final CountDownLatch hang = new CountDownLatch(1);
    private final List<AutoCloseable> resources = new ArrayList<>();
    private BearerMcpServer server;

    @AfterEach
    void stop() throws Exception {
        hang.countDown();
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    /** Starts the server and a client, and initializes the session with token-1. */
    private McpAsyncClient connect(Mode mode, TokenRefreshDecorator tokens) throws Exception {
        server = new BearerMcpServer();
        resources.add(server);
        HttpClientStreamableHttpTransport.Builder builder = HttpClientStreamableHttpTransport.builder(server.url())
            .endpoint("/mcp");
        if (mode == Mode.ASYNC) {
            TokenRefreshMcpTransport.configure(builder, tokens);
        } else {
            builder.addHttpRequestCustomizer(TokenRefreshMcpTransport.syncRequestCustomizer(tokens))
                .authorizationErrorHandler(McpHttpClientTransportAuthorizationErrorHandler.fromSync(
                    TokenRefreshMcpTransport.syncAuthorizationErrorHandler(tokens)));
        }
        McpAsyncClient client = McpClient.async(builder.build()).requestTimeout(Duration.ofSeconds(30)).build();
        resources.add(0, client::close);
        client.initialize().block(Duration.ofSeconds(30));
        return client;
    }

    /** Issues token-1, token-2, ...; the server accepts each one it issues. */
    private AccessToken issue() {
        String value = "token-" + refreshes.incrementAndGet();
        server.valid.add(value);
        return AccessToken.of(value);
    }

    private static Mono<String> echo(McpAsyncClient client, String text) {
        return client.callTool(new McpSchema.CallToolRequest("echo", Map.of("text", text)))
            .map(result -> ((McpSchema.TextContent) result.content().get(0)).text());
    }

    private TokenRefreshDecorator decorator(TokenRefresher refresher, Duration refreshTimeout) {
        return TokenRefreshDecorator.of("tools", TokenRefreshConfig.custom()
            .refreshOnResult(TokenRefreshMcpTransport.REJECTED)
            .refreshTimeout(refreshTimeout)
            .build(), refresher);
    }

    /** The first token is issued; later refreshes hang until the test ends. */
    private TokenRefresher firstThenHang() {
        return current -> {
            if (current != null) {
                hang.await();
            }
            return issue();
        };
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void sixtyFourToolCallsOnAnExpiredTokenMakeOneRefreshAndAllSucceed(Mode mode) throws Exception {
        AtomicReference<TokenRefreshDecorator> self = new AtomicReference<>();
        TokenRefreshDecorator tokens = TokenRefreshMcpTransport.decorator("tools", current -> {
            if (current != null) {
                // every tool call waits for this refresh: rejected with token-1, or about to send. The synchronous
                // customizer and handler block Reactor's boundedElastic threads (10 per core), so there fewer wait
                // at once and the rest queue for a thread
                int together = mode == Mode.ASYNC ? CALLS : 2;
                await().atMost(Duration.ofSeconds(9))
                    .until(() -> self.get().getMetrics().getNumberOfWaitingCalls() >= together);
            }
            return issue();
        });
        self.set(tokens);
        McpAsyncClient client = connect(mode, tokens);
        server.valid.remove("token-1"); // the token expires on the server

        List<String> answers = Flux.range(0, CALLS)
            .flatMap(i -> echo(client, "call " + i), CALLS)
            .collectList()
            .block(Duration.ofSeconds(60));

        assertThat(answers).hasSize(CALLS).allMatch(answer -> answer.startsWith("echo call "));
        assertThat(refreshes).hasValue(2);
        assertThat(server.toolCalls).hasValue(CALLS);
        assertThat(server.count("Bearer token-2")).isGreaterThanOrEqualTo(CALLS);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void a401AfterTheTokenWasReplacedReplaysWithTheNewTokenAndRefreshesNothing(Mode mode) throws Exception {
        TokenRefreshDecorator tokens = TokenRefreshMcpTransport.decorator("tools", current -> issue());
        McpAsyncClient client = connect(mode, tokens);

        server.holdNext(); // the slow call reaches the server with token-1 and is held before its token is checked
        CompletableFuture<String> slow = echo(client, "slow").toFuture();
        assertThat(server.heldArrived.await(10, TimeUnit.SECONDS)).isTrue();
        server.valid.remove("token-1"); // meanwhile token-1 expires and another call replaces it
        assertThat(echo(client, "fast").block(Duration.ofSeconds(30))).isEqualTo("echo fast");
        assertThat(refreshes).hasValue(2);
        long rejectedBefore = tokens.getMetrics().getNumberOfRejectedTokens();

        server.release(); // the slow call is now rejected, with token-1, which is no longer current

        assertThat(slow.get(30, TimeUnit.SECONDS)).isEqualTo("echo slow");
        assertThat(refreshes).hasValue(2);
        assertThat(tokens.getMetrics().getNumberOfRejectedTokens()).isEqualTo(rejectedBefore);
        assertThat(server.toolCalls).hasValue(2);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aCallRejectedAgainAfterItsReplayEndsWithItsOwn401(Mode mode) throws Exception {
        TokenRefreshDecorator tokens = TokenRefreshMcpTransport.decorator("tools", current -> {
            if (current == null) {
                return issue();
            }
            return AccessToken.of("token-" + refreshes.incrementAndGet()); // one the server never accepts
        });
        McpAsyncClient client = connect(mode, tokens);
        server.valid.remove("token-1");
        int seenBefore = server.seen.size();

        assertThatThrownBy(() -> echo(client, "a").block(Duration.ofSeconds(30)))
            .satisfies(e -> assertThat(causes(e)).anyMatch(McpHttpClientTransportAuthorizationException.class::isInstance));
        assertThat(refreshes).hasValue(2);
        assertThat(server.seen.subList(seenBefore, server.seen.size()))
            .containsExactly("Bearer token-1", "Bearer token-2");
        assertThat(server.toolCalls).hasValue(0);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aHungRefresherFreesCallersAfterRefreshTimeout(Mode mode) throws Exception {
        // The test fires the refresh timeout: the first token has all the time a loaded machine needs.
        ManualScheduler scheduler = new ManualScheduler();
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("tools", TokenRefreshConfig.custom()
            .refreshOnResult(TokenRefreshMcpTransport.REJECTED)
            .refreshTimeout(Duration.ofMillis(300))
            .scheduler(scheduler)
            .build(), firstThenHang());
        McpAsyncClient client = connect(mode, tokens);
        server.valid.remove("token-1");
        int scheduledBefore = scheduler.pending();

        CompletableFuture<String> call = echo(client, "a").toFuture();
        // the hung refresh started and its timeout is scheduled; the earlier ones were cancelled and do nothing
        await().atMost(Duration.ofSeconds(20)).until(() -> scheduler.pending() > scheduledBefore);
        while (scheduler.pending() > 0) {
            scheduler.takeScheduled().run();
        }

        assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS))
            .satisfies(e -> assertThat(causes(e)).anyMatch(TokenRefreshException.class::isInstance));
        assertThat(hang.getCount()).isEqualTo(1); // the refresher still hangs: the timeout freed the caller
        assertThat(server.toolCalls).hasValue(0);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aCallersDeadlineEndsItsWait(Mode mode) throws Exception {
        // the synchronous handler's thread stays blocked until refreshTimeout: keep it short enough for the teardown
        TokenRefreshDecorator tokens = decorator(firstThenHang(),
            mode == Mode.ASYNC ? Duration.ofMinutes(1) : Duration.ofSeconds(5));
        McpAsyncClient client = connect(mode, tokens);
        server.valid.remove("token-1");

        assertThatThrownBy(() -> echo(client, "a").timeout(Duration.ofMillis(300)).block(Duration.ofSeconds(30)))
            .satisfies(e -> assertThat(causes(e)).anyMatch(TimeoutException.class::isInstance));
        assertThat(hang.getCount()).isEqualTo(1); // the refresher still hangs: the caller's deadline freed it
        assertThat(server.toolCalls).hasValue(0);
    }

    @Test
    void cancellingAToolCallEndsItsWaitAndLeavesTheRefreshToOthers() throws Exception {
        TokenRefreshDecorator tokens = decorator(firstThenHang(), Duration.ofMinutes(1));
        McpAsyncClient client = connect(Mode.ASYNC, tokens);
        server.valid.remove("token-1");

        CompletableFuture<String> first = echo(client, "a").toFuture();
        await().atMost(Duration.ofSeconds(10)).until(() -> tokens.getMetrics().getNumberOfWaitingCalls() >= 1);
        CompletableFuture<String> second = echo(client, "b").toFuture();
        await().atMost(Duration.ofSeconds(10)).until(() -> tokens.getMetrics().getNumberOfWaitingCalls() >= 2);
        first.cancel(true);

        assertThat(first).isCancelled();
        assertThat(second).isNotDone(); // still waiting for the shared refresh
        hang.countDown(); // the refresh completes: token-2
        assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo("echo b");
        assertThat(refreshes).hasValue(2);
        // the SDK's session sends a request on its own subscription: the cancelled call's request may still be sent
        // once the token arrives, but its caller was freed at once
    }

    @Test
    void theSseTransportCarriesTheDecoratorsToken() throws Exception {
        server = new BearerMcpServer(true);
        resources.add(server);
        TokenRefreshDecorator tokens = TokenRefreshMcpTransport.decorator("tools", current -> issue());
        McpAsyncClient client = McpClient.async(TokenRefreshMcpTransport.configure(
                HttpClientSseClientTransport.builder(server.url()).sseEndpoint("/sse"), tokens).build())
            .requestTimeout(Duration.ofSeconds(30)).build();
        resources.add(0, client::close);
        client.initialize().block(Duration.ofSeconds(30));

        assertThat(echo(client, "a").block(Duration.ofSeconds(30))).isEqualTo("echo a");
        assertThat(server.seen).isNotEmpty().containsOnly("Bearer token-1");
        assertThat(server.toolCalls).hasValue(1);
    }

    @Test
    void refusesADecoratorThatDoesNotRecogniseARejectionAndNamesNoToken() {
        TokenRefreshDecorator plain = TokenRefreshDecorator.ofDefaults("tools", current -> AccessToken.of("s3cr3t"));
        assertThatThrownBy(() -> TokenRefreshMcpTransport.authorizationErrorHandler(plain))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("refreshOnResult(TokenRefreshMcpTransport.REJECTED)");
        assertThatThrownBy(() -> TokenRefreshMcpTransport.requestCustomizer(null))
            .isInstanceOf(NullPointerException.class).hasMessage("tokens must not be null");

        TokenRefreshDecorator tokens = TokenRefreshMcpTransport.decorator("tools", current -> AccessToken.of("s3cr3t"));
        tokens.executeFunction(token -> token);
        assertThat(TokenRefreshMcpTransport.requestCustomizer(tokens).toString())
            .contains("tools").doesNotContain("s3cr3t");
        assertThat(TokenRefreshMcpTransport.authorizationErrorHandler(tokens).toString())
            .contains("tools").doesNotContain("s3cr3t");
    }

    @Test
    void refusesADecoratorWhosePredicateThrowsOnAVerdictNamingTheParameter() {
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("tools", TokenRefreshConfig.custom()
            .refreshOnResult(result -> ((String) result).isEmpty()) // written for another client's responses
            .build(), current -> AccessToken.of("t"));
        assertThatThrownBy(() -> TokenRefreshMcpTransport.authorizationErrorHandler(tokens))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("tokens 'tools'")
            .hasCauseInstanceOf(ClassCastException.class);
    }

    private static List<Throwable> causes(Throwable t) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable c = t; c != null && !chain.contains(c); c = c.getCause()) {
            chain.add(c);
            for (Throwable s : c.getSuppressed()) {
                chain.add(s);
            }
        }
        return chain;
    }
}
