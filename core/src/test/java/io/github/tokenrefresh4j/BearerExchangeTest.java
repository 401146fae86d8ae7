package io.github.tokenrefresh4j;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The attach-send-judge-retry loop that every HTTP adapter describes its client to. */
class BearerExchangeTest {

    /** A request is its headers; a response its status and challenge, and whether it was released. */
    private static final class Reply implements AutoCloseable {
        final int status;
        final List<String> challenges;
        final String token;
        boolean closed;
        boolean released;

        Reply(int status, List<String> challenges, String token) {
            this.status = status;
            this.challenges = challenges;
            this.token = token;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static final BearerExchange<Map<String, String>, Reply> EXCHANGE =
        BearerExchange.<Map<String, String>, Reply>builder(Reply.class)
            .attach((request, token) -> Map.of("Authorization", "Bearer " + token.value()))
            .ownCredentials(request -> request.containsKey("Authorization"))
            .status(reply -> reply.status)
            .challenges(reply -> reply.challenges)
            .release(reply -> reply.released = true)
            .build();

    private final AtomicInteger refreshes = new AtomicInteger();
    private final TokenRefreshDecorator tokens = EXCHANGE.decorator("api",
        current -> AccessToken.of("t" + refreshes.incrementAndGet()));
    private final List<String> sent = new ArrayList<>();

    private Reply rejectFirstToken(Map<String, String> request) {
        String authorization = request.get("Authorization");
        sent.add(authorization);
        return "Bearer t1".equals(authorization)
            ? new Reply(401, List.of("Bearer error=\"invalid_token\""), authorization)
            : new Reply(200, List.of(), authorization);
    }

    @Test
    void invalidTokenIsA401WithABearerInvalidTokenChallengeOfThisClientsType() {
        assertThat(EXCHANGE.invalidToken())
            .accepts(new Reply(401, List.of("Bearer error=\"invalid_token\""), "x"))
            .rejects(new Reply(401, List.of("Basic realm=\"x\""), "x"),
                new Reply(403, List.of("Bearer error=\"invalid_token\""), "x"),
                "401", null);
    }

    @Test
    void rejectedRequestIsSentAgainWithTheNextTokenAndTheRejectionIsReleased() throws IOException {
        List<Reply> replies = new ArrayList<>();
        Reply reply = EXCHANGE.execute(tokens, Map.of(), request -> {
            Reply r = rejectFirstToken(request);
            replies.add(r);
            return r;
        });

        assertThat(reply.status).isEqualTo(200);
        assertThat(sent).containsExactly("Bearer t1", "Bearer t2");
        assertThat(replies.get(0).released).isTrue();
        assertThat(replies.get(0).closed).as("release replaces the default close").isFalse();
    }

    @Test
    void requestWithItsOwnCredentialsIsSentUnchangedWithoutAToken() throws IOException {
        Reply reply = EXCHANGE.execute(tokens, Map.of("Authorization", "Basic abc"), this::rejectFirstToken);

        assertThat(reply.token).isEqualTo("Basic abc");
        assertThat(refreshes).hasValue(0);
    }

    @Test
    void executeOnceReturnsTheRejectionWithoutRetryAndWithoutVerdict() throws IOException {
        Reply reply = EXCHANGE.executeOnce(tokens, Map.of(), this::rejectFirstToken);

        assertThat(reply.status).isEqualTo(401);
        assertThat(sent).containsExactly("Bearer t1");
        assertThat(tokens.getMetrics().getNumberOfRejectedTokens()).isZero();
        assertThat(refreshes).hasValue(1);
    }

    @Test
    void sendsCheckedExceptionReachesTheCallerUnchanged() {
        IOException failure = new IOException("connection reset");

        assertThatThrownBy(() -> EXCHANGE.execute(tokens, Map.of(), request -> {
            throw failure;
        })).isSameAs(failure);
    }

    @Test
    void asyncRejectionIsSentAgainWithTheNextToken() throws Exception {
        Reply reply = EXCHANGE.executeAsync(tokens, Map.of(),
                request -> CompletableFuture.completedFuture(rejectFirstToken(request)))
            .toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(reply.status).isEqualTo(200);
        assertThat(sent).containsExactly("Bearer t1", "Bearer t2");
    }

    @Test
    void asyncRequestWithItsOwnCredentialsWhoseSendThrowsFailsTheStageInsteadOfThrowing() {
        IllegalStateException failure = new IllegalStateException("client closed");

        CompletionStage<Reply> reply = EXCHANGE.executeAsync(tokens, Map.of("Authorization", "Basic abc"),
            request -> {
                throw failure;
            });

        assertThat(reply.toCompletableFuture()).failsWithin(Duration.ofSeconds(10))
            .withThrowableOfType(ExecutionException.class).havingCause().isSameAs(failure);
        assertThat(EXCHANGE.executeAsync(tokens, Map.of("Authorization", "Basic abc"), request -> null)
            .toCompletableFuture()).failsWithin(Duration.ofSeconds(10))
            .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(NullPointerException.class);
    }

    @Test
    void nullRequestOrTokenIsRefusedNamingTheParameter() {
        assertThatThrownBy(() -> EXCHANGE.execute(tokens, null, this::rejectFirstToken))
            .isInstanceOf(NullPointerException.class).hasMessage("request must not be null");
        assertThatThrownBy(() -> EXCHANGE.executeOnce(tokens, null, this::rejectFirstToken))
            .isInstanceOf(NullPointerException.class).hasMessage("request must not be null");
        assertThatThrownBy(() -> EXCHANGE.executeAsync(tokens, null,
                request -> CompletableFuture.completedFuture(rejectFirstToken(request))))
            .isInstanceOf(NullPointerException.class).hasMessage("request must not be null");
        assertThatThrownBy(() -> EXCHANGE.attach(Map.of(), null))
            .isInstanceOf(NullPointerException.class).hasMessage("token must not be null");
        assertThat(sent).isEmpty();
    }

    @Test
    void buildNamesTheMissingPart() {
        assertThatThrownBy(() -> BearerExchange.<Map<String, String>, Reply>builder(Reply.class)
            .status(reply -> reply.status).challenges(reply -> reply.challenges).build())
            .isInstanceOf(NullPointerException.class)
            .hasMessageContaining("attach");
    }
}
