package io.github.tokenrefresh4j.grpc;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.grpc.EchoServer.Transport;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The interceptor against a real gRPC server, in-process and over Netty on 127.0.0.1: the five behaviours of issue
 * 23 (one refresh for 64 rejected calls, stale rejection, rejected again, hung refresher, cancellation and deadline)
 * and the streaming rule (judged, never replayed).
 */
class TokenRefreshClientInterceptorTest {

    private static final int CALLS = 64;

    private final AtomicInteger refreshes = new AtomicInteger();
    private final CountDownLatch hang = new CountDownLatch(1);
    private final List<AutoCloseable> resources = new ArrayList<>();
    private EchoServer server;

    @AfterEach
    void stop() throws Exception {
        hang.countDown();
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    private Channel start(Transport transport, TokenRefreshDecorator tokens) throws Exception {
        server = new EchoServer(transport);
        resources.add(server);
        ManagedChannel channel = server.channel();
        resources.add(0, () -> channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS));
        return ClientInterceptors.intercept(channel, new TokenRefreshClientInterceptor(tokens));
    }

    /** Issues token-1, token-2, ... and makes the server accept each one it issues. */
    private AccessToken issue() {
        String value = "token-" + refreshes.incrementAndGet();
        server.valid.add(value);
        return AccessToken.of(value);
    }

    private static String say(Channel channel, String what) {
        return ClientCalls.blockingUnaryCall(channel, EchoServer.SAY, CallOptions.DEFAULT, what);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void sixtyFourCallsOnAnExpiredTokenMakeOneRefreshAndAllSucceed(Transport transport) throws Exception {
        AtomicReference<TokenRefreshDecorator> self = new AtomicReference<>();
        TokenRefreshDecorator tokens = TokenRefreshClientInterceptor.decorator("echo", current -> {
            if (current != null) {
                // every one of the 64 calls waits for this refresh before it ends: rejected, or held before sending
                await().atMost(Duration.ofSeconds(9))
                    .until(() -> self.get().getMetrics().getNumberOfWaitingCalls() == CALLS);
            }
            return issue();
        });
        self.set(tokens);
        Channel channel = start(transport, tokens);
        assertThat(say(channel, "first")).isEqualTo("hello first");
        server.valid.remove("token-1"); // the token expires on the server

        List<Future<String>> calls = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            calls.add(ClientCalls.futureUnaryCall(channel.newCall(EchoServer.SAY, CallOptions.DEFAULT), "call " + i));
        }
        for (int i = 0; i < CALLS; i++) {
            assertThat(calls.get(i).get(30, TimeUnit.SECONDS)).isEqualTo("hello call " + i);
        }

        assertThat(refreshes).hasValue(2);
        assertThat(tokens.getMetrics().getNumberOfCoalescedCalls()).isEqualTo(CALLS - 1);
        assertThat(server.count("Bearer token-2")).isEqualTo(CALLS);
        assertThat(server.count("Bearer token-1")).isBetween(2L, 1L + CALLS);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void unauthenticatedAfterTheTokenWasReplacedRetriesWithTheNewTokenAndRefreshesNothing(Transport transport)
        throws Exception {
        TokenRefreshDecorator tokens = TokenRefreshClientInterceptor.decorator("echo", current -> issue());
        Channel channel = start(transport, tokens);
        assertThat(say(channel, "first")).isEqualTo("hello first");

        // the slow call reaches the server with token-1 and is held there before its token is checked
        Future<String> slow = ClientCalls.futureUnaryCall(channel.newCall(EchoServer.SLOW, CallOptions.DEFAULT), "a");
        assertThat(server.slowArrived.await(10, TimeUnit.SECONDS)).isTrue();
        // meanwhile token-1 expires and another call replaces it with token-2
        server.valid.remove("token-1");
        assertThat(say(channel, "b")).isEqualTo("hello b");
        assertThat(refreshes).hasValue(2);

        server.releaseSlow(); // now the slow call is rejected: with token-1, which is no longer current

        assertThat(slow.get(10, TimeUnit.SECONDS)).isEqualTo("slow a");
        assertThat(refreshes).hasValue(2);
        assertThat(server.seen).containsExactly("Bearer token-1", "Bearer token-1", "Bearer token-1",
            "Bearer token-2", "Bearer token-2");
        assertThat(tokens.getMetrics().getNumberOfRejectedTokens()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void callRejectedAgainAfterItsRetryEndsWithItsOwnUnauthenticated(Transport transport) throws Exception {
        TokenRefreshDecorator tokens = TokenRefreshClientInterceptor.decorator("echo",
            current -> AccessToken.of("token-" + refreshes.incrementAndGet())); // the server accepts none
        Channel channel = start(transport, tokens);

        assertThatThrownBy(() -> say(channel, "a"))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(e.getStatus().getDescription()).isEqualTo("invalid token");
            });
        assertThat(server.seen).containsExactly("Bearer token-1", "Bearer token-2");
        assertThat(refreshes).hasValue(2);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void hungRefresherFreesCallersAfterRefreshTimeout(Transport transport) throws Exception {
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("echo", TokenRefreshConfig.custom()
            .refreshOnResult(TokenRefreshClientInterceptor.UNAUTHENTICATED)
            .refreshTimeout(Duration.ofMillis(300))
            .build(), current -> {
                hang.await();
                return AccessToken.of("never");
            });
        Channel channel = start(transport, tokens);

        assertThatThrownBy(() -> say(channel, "a"))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(e.getStatus().getCause()).isInstanceOf(TokenRefreshException.class);
            });
        // a stream that needs a token now is refused too (the failure cooldown), through its call credentials
        Iterator<String> stream = ClientCalls.blockingServerStreamingCall(channel, EchoServer.STREAM,
            CallOptions.DEFAULT, "b");
        assertThatThrownBy(stream::hasNext).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getStatus().getCause()).isInstanceOf(TokenRefreshException.class);
        });
        assertThat(server.seen).isEmpty();
        assertThat(hang.getCount()).isEqualTo(1); // the refresher still hangs: the timeout freed the caller
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void deadlineEndsTheWaitForARefresh(Transport transport) throws Exception {
        TokenRefreshDecorator tokens = hungForAMinute();
        Channel channel = start(transport, tokens);

        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, EchoServer.SAY,
            CallOptions.DEFAULT.withDeadlineAfter(200, TimeUnit.MILLISECONDS), "a"))
            .isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        Iterator<String> stream = ClientCalls.blockingServerStreamingCall(channel, EchoServer.STREAM,
            CallOptions.DEFAULT.withDeadlineAfter(200, TimeUnit.MILLISECONDS), "b");
        assertThatThrownBy(stream::hasNext).isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        assertThat(hang.getCount()).isEqualTo(1);
        assertThat(server.seen).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void cancellingTheCallOrItsContextEndsTheWaitForARefresh(Transport transport) throws Exception {
        TokenRefreshDecorator tokens = hungForAMinute();
        Channel channel = start(transport, tokens);

        // ClientCall.cancel
        CompletableFuture<Status> closed = new CompletableFuture<>();
        ClientCall<String, String> call = channel.newCall(EchoServer.SAY, CallOptions.DEFAULT);
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.complete(status);
            }
        }, new Metadata());
        call.request(1);
        call.sendMessage("a");
        call.halfClose();
        await().atMost(Duration.ofSeconds(10)).until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 1);
        call.cancel("the caller gave up", null);
        assertThat(closed.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);
        await().atMost(Duration.ofSeconds(10)).until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 0);

        // Context cancellation
        Context.CancellableContext context = Context.current().withCancellation();
        Future<String> inContext = context.call(
            () -> ClientCalls.futureUnaryCall(channel.newCall(EchoServer.SAY, CallOptions.DEFAULT), "b"));
        await().atMost(Duration.ofSeconds(10)).until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 1);
        context.cancel(null);
        assertThatThrownBy(() -> inContext.get(10, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .cause().isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
        assertThat(hang.getCount()).isEqualTo(1);
        assertThat(server.seen).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void streamingCallIsNotReplayedButItsRejectionRefreshesForTheNextCall(Transport transport) throws Exception {
        TokenRefreshDecorator tokens = TokenRefreshClientInterceptor.decorator("echo", current -> issue());
        Channel channel = start(transport, tokens);
        Iterator<String> stream = ClientCalls.blockingServerStreamingCall(channel, EchoServer.STREAM,
            CallOptions.DEFAULT, "a");
        assertThat(stream.next()).isEqualTo("one a");
        assertThat(stream.next()).isEqualTo("two a");
        assertThat(stream.hasNext()).isFalse();
        server.valid.remove("token-1");

        Iterator<String> rejected = ClientCalls.blockingServerStreamingCall(channel, EchoServer.STREAM,
            CallOptions.DEFAULT, "b");
        assertThatThrownBy(rejected::hasNext).isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        await().atMost(Duration.ofSeconds(10)).until(() -> refreshes.get() == 2);
        assertThat(server.seen).containsExactly("Bearer token-1", "Bearer token-1"); // not replayed

        assertThat(say(channel, "c")).isEqualTo("hello c");
        assertThat(server.seen).containsExactly("Bearer token-1", "Bearer token-1", "Bearer token-2");
        assertThat(refreshes).hasValue(2);
    }

    @Test
    void refusesADecoratorThatDoesNotRecogniseUnauthenticated() {
        TokenRefreshDecorator tokens = TokenRefreshDecorator.ofDefaults("echo", current -> AccessToken.of("t"));
        assertThatThrownBy(() -> new TokenRefreshClientInterceptor(tokens))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("refreshOnResult(TokenRefreshClientInterceptor.UNAUTHENTICATED)");
        assertThatThrownBy(() -> new TokenRefreshClientInterceptor(null))
            .isInstanceOf(NullPointerException.class).hasMessage("tokens must not be null");
    }

    @Test
    void refusesADecoratorWhosePredicateThrowsOnACallOutcomeNamingTheParameter() {
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("echo", TokenRefreshConfig.custom()
            .refreshOnResult(result -> ((String) result).isEmpty()) // written for another client's responses
            .build(), current -> AccessToken.of("t"));
        assertThatThrownBy(() -> new TokenRefreshClientInterceptor(tokens))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("tokens 'echo'")
            .hasCauseInstanceOf(ClassCastException.class);
    }

    @Test
    void aUnaryCallCancelledBeforeItStartedEndsQuietlyAndSendsNothing() throws Exception {
        TokenRefreshDecorator tokens = TokenRefreshClientInterceptor.decorator("echo", current -> issue());
        Channel channel = start(Transport.IN_PROCESS, tokens);

        channel.newCall(EchoServer.SAY, CallOptions.DEFAULT).cancel("never started", null);

        assertThat(server.seen).isEmpty();
        assertThat(refreshes).hasValue(0);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aListenerThatThrowsOnTheResponseStillGetsItsClose(Transport transport) throws Exception {
        TokenRefreshDecorator tokens = TokenRefreshClientInterceptor.decorator("echo", current -> issue());
        Channel channel = start(transport, tokens);
        CompletableFuture<Throwable> error = new CompletableFuture<>();

        ClientCalls.asyncUnaryCall(channel.newCall(EchoServer.SAY, CallOptions.DEFAULT), "a",
            new StreamObserver<String>() {
                @Override
                public void onNext(String value) {
                    throw new IllegalStateException("the caller's observer failed");
                }

                @Override
                public void onError(Throwable t) {
                    error.complete(t);
                }

                @Override
                public void onCompleted() {
                    error.complete(null);
                }
            });

        // as gRPC's own calls do: the call is closed CANCELLED, with the listener's exception as its cause
        assertThat(error.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED);
            assertThat(e.getStatus().getCause()).hasMessage("the caller's observer failed");
        });
    }

    @Test
    void aDeadlineClosesTheCallOffTheLibrarysSharedScheduler() throws Exception {
        TokenRefreshDecorator tokens = hungForAMinute();
        Channel channel = start(Transport.IN_PROCESS, tokens);
        CompletableFuture<Status> second = new CompletableFuture<>();

        // an async stub's observer (no call executor) that waits, in onError, for another call ended by its deadline:
        // were it called on the library's one scheduler thread, that other deadline could never fire
        ClientCalls.asyncUnaryCall(channel.newCall(EchoServer.SAY,
            CallOptions.DEFAULT.withDeadlineAfter(200, TimeUnit.MILLISECONDS)), "a", new StreamObserver<String>() {
                @Override
                public void onNext(String value) {
                }

                @Override
                public void onError(Throwable t) {
                    Future<String> other = ClientCalls.futureUnaryCall(channel.newCall(EchoServer.SAY,
                        CallOptions.DEFAULT.withDeadlineAfter(200, TimeUnit.MILLISECONDS)), "b");
                    try {
                        other.get(10, TimeUnit.SECONDS);
                        second.complete(Status.OK);
                    } catch (ExecutionException e) {
                        second.complete(Status.fromThrowable(e.getCause()));
                    } catch (Exception e) {
                        second.completeExceptionally(e);
                    }
                }

                @Override
                public void onCompleted() {
                }
            });

        assertThat(second.get(30, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(hang.getCount()).isEqualTo(1);
    }

    @Test
    void callsFailedByOneRefreshAreClosedIndependentlyNotOneAfterAnotherOnTheRefreshersThread() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        TokenRefreshDecorator tokens = TokenRefreshClientInterceptor.decorator("echo", current -> {
            release.await();
            throw new IllegalStateException("token endpoint down");
        });
        Channel channel = start(Transport.IN_PROCESS, tokens);
        CountDownLatch bothFailed = new CountDownLatch(2);
        List<CompletableFuture<Boolean>> sawTheOther = List.of(new CompletableFuture<>(), new CompletableFuture<>());

        // async stubs' observers (no call executor) that each wait, in onError, for the other's onError: were they
        // called one after the other on the thread that ended the refresh, the first would wait in vain
        for (CompletableFuture<Boolean> saw : sawTheOther) {
            ClientCalls.asyncUnaryCall(channel.newCall(EchoServer.SAY, CallOptions.DEFAULT), "a",
                new StreamObserver<String>() {
                    @Override
                    public void onNext(String value) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        bothFailed.countDown();
                        try {
                            saw.complete(bothFailed.await(10, TimeUnit.SECONDS));
                        } catch (InterruptedException e) {
                            saw.completeExceptionally(e);
                        }
                    }

                    @Override
                    public void onCompleted() {
                        saw.complete(false);
                    }
                });
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> tokens.getMetrics().getNumberOfWaitingCalls() == 2);
        release.countDown();

        for (CompletableFuture<Boolean> saw : sawTheOther) {
            assertThat(saw.get(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    private TokenRefreshDecorator hungForAMinute() {
        return TokenRefreshDecorator.of("echo", TokenRefreshConfig.custom()
            .refreshOnResult(TokenRefreshClientInterceptor.UNAUTHENTICATED)
            .refreshTimeout(Duration.ofMinutes(1))
            .build(), current -> {
                hang.await();
                return AccessToken.of("never");
            });
    }
}
