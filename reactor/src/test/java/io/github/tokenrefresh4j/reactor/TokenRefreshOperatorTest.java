package io.github.tokenrefresh4j.reactor;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.OneTokenThenFailure;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefresher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TokenRefreshOperatorTest {

    private static final Duration HANG_GUARD = Duration.ofSeconds(20);

    private final AtomicInteger refreshes = new AtomicInteger();
    private final CountDownLatch secondRefreshMayFinish = new CountDownLatch(1);
    private final CountDownLatch secondRefreshStarted = new CountDownLatch(1);
    private final AtomicInteger subscriptionsWithToken2 = new AtomicInteger();

    /** token-1 at once; token-2 after the test allows it when {@code blockSecondRefresh}. */
    private TokenRefreshDecorator tokens(boolean blockSecondRefresh) {
        TokenRefresher refresher = current -> {
            int n = refreshes.incrementAndGet();
            if (n == 2) {
                secondRefreshStarted.countDown();
                if (blockSecondRefresh) {
                    secondRefreshMayFinish.await();
                }
            }
            return AccessToken.of("token-" + n);
        };
        return TokenRefreshDecorator.of("orders-api", TokenRefreshConfig.custom()
            .refreshOnException(e -> e instanceof Unauthorized)
            .refreshOnResult(r -> "rejected".equals(r))
            .refreshTimeout(Duration.ofMinutes(1))
            .build(), refresher);
    }

    @AfterEach
    void release() {
        secondRefreshMayFinish.countDown();
    }

    /** token-1 is rejected with an error; any other token gets "ok:" and its value. */
    private Mono<String> ordersCall(AccessToken token) {
        if (token.value().equals("token-1")) {
            return Mono.error(new Unauthorized());
        }
        subscriptionsWithToken2.incrementAndGet();
        return Mono.just("ok:" + token.value());
    }

    @Test
    void validTokenPassesTheElementThrough() {
        TokenRefreshDecorator tokens = tokens(false);

        StepVerifier.create(TokenRefreshOperator.mono(tokens, token -> Mono.just("ok:" + token.value())))
            .expectNext("ok:token-1")
            .verifyComplete();
        assertThat(refreshes).hasValue(1);
    }

    @Test
    void rejectedMonoIsSubscribedAgainWithTheNewToken() {
        TokenRefreshDecorator tokens = tokens(false);

        StepVerifier.create(TokenRefreshOperator.mono(tokens, this::ordersCall))
            .expectNext("ok:token-2")
            .expectComplete()
            .verify(HANG_GUARD);
        assertThat(refreshes).hasValue(2);
    }

    @Test
    void rejectedElementIsDiscardedAndTheCallMadeAgain() {
        TokenRefreshDecorator tokens = tokens(false);

        StepVerifier.create(TokenRefreshOperator.mono(tokens,
                token -> Mono.just(token.value().equals("token-1") ? "rejected" : "ok:" + token.value())))
            .expectNext("ok:token-2")
            .expectComplete()
            .verify(HANG_GUARD);
    }

    @Test
    void transformedPublisherReadsItsTokenFromTheContext() {
        TokenRefreshDecorator tokens = tokens(false);

        Mono<String> orders = TokenRefreshOperator.token()
            .flatMap(this::ordersCall)
            .transformDeferred(TokenRefreshOperator.of(tokens));

        StepVerifier.create(orders).expectNext("ok:token-2").expectComplete().verify(HANG_GUARD);
    }

    @Test
    void downstreamContextReachesTheCall() {
        TokenRefreshDecorator tokens = tokens(false);

        Mono<String> tenant = TokenRefreshOperator.mono(tokens,
                token -> Mono.deferContextual(context -> Mono.just(context.<String>get("tenant"))))
            .contextWrite(context -> context.put("tenant", "acme"));

        StepVerifier.create(tenant).expectNext("acme").verifyComplete();
    }

    @Test
    void tokenOutsideTheOperatorFailsWithAClearMessage() {
        StepVerifier.create(TokenRefreshOperator.token())
            .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("TokenRefreshOperator.of(decorator)"))
            .verify();
    }

    @Test
    void emptyMonoCompletesEmpty() {
        StepVerifier.create(TokenRefreshOperator.mono(tokens(false), token -> Mono.<String>empty()))
            .verifyComplete();
    }

    @Test
    void fluxRejectedBeforeItsFirstElementIsSubscribedAgainFromTheStart() {
        TokenRefreshDecorator tokens = tokens(false);

        Flux<String> lines = TokenRefreshOperator.flux(tokens, token -> token.value().equals("token-1")
            ? Flux.error(new Unauthorized())
            : Flux.just("a", "b", "c"));

        StepVerifier.create(lines).expectNext("a", "b", "c").expectComplete().verify(HANG_GUARD);
        assertThat(refreshes).hasValue(2);
    }

    @Test
    void fluxRejectedAfterItsFirstElementIsNotSubscribedAgain() {
        TokenRefreshDecorator tokens = tokens(false);
        AtomicInteger subscriptions = new AtomicInteger();

        Flux<String> lines = TokenRefreshOperator.flux(tokens, token -> Flux.concat(Flux.just("a"),
            Flux.error(new Unauthorized())).doOnSubscribe(s -> subscriptions.incrementAndGet()));

        StepVerifier.create(lines).expectNext("a").expectError(Unauthorized.class).verify(HANG_GUARD);
        assertThat(subscriptions).hasValue(1);
        assertThat(refreshes).hasValue(1);
    }

    @Test
    void fluxHonoursBackpressure() {
        TokenRefreshDecorator tokens = tokens(false);
        AtomicInteger emitted = new AtomicInteger();

        Flux<Integer> numbers = TokenRefreshOperator.flux(tokens,
            token -> Flux.range(1, 1000).doOnNext(i -> emitted.incrementAndGet()));

        StepVerifier.create(numbers, 0)
            .thenRequest(1)
            .expectNext(1)
            .thenRequest(2)
            .expectNext(2, 3)
            .then(() -> assertThat(emitted.get()).as("at most one element ahead of demand").isLessThanOrEqualTo(4))
            .thenCancel()
            .verify(HANG_GUARD);
    }

    @Test
    void operatorTransformsFluxToo() {
        TokenRefreshDecorator tokens = tokens(false);

        Flux<String> lines = TokenRefreshOperator.token()
            .flatMapMany(token -> token.value().equals("token-1")
                ? Flux.<String>error(new Unauthorized())
                : Flux.just("x", "y"))
            .transformDeferred(TokenRefreshOperator.of(tokens));

        StepVerifier.create(lines).expectNext("x", "y").expectComplete().verify(HANG_GUARD);
    }

    @Test
    void otherPublishersAreRefusedNamingTheirType() {
        Publisher<String> plain = subscriber -> { };

        assertThatThrownBy(() -> TokenRefreshOperator.<String>of(tokens(false)).apply(plain))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("Mono or a Flux");
    }

    @Test
    void failedRefreshFailsTheSubscriberWithTokenRefreshException() {
        TokenRefreshDecorator failing = TokenRefreshDecorator.of("orders-api", TokenRefreshConfig.ofDefaults(),
            current -> {
                throw new IOException("token endpoint unreachable");
            });

        StepVerifier.create(TokenRefreshOperator.mono(failing, token -> Mono.just("never")))
            .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TokenRefreshException.class)
                .hasRootCauseInstanceOf(IOException.class))
            .verify(HANG_GUARD);
    }

    @Test
    void tenThousandConcurrentSubscriptionsShareOneRefreshWithoutHoldingThreads() throws Exception {
        int subscriptions = 10_000;
        TokenRefreshDecorator tokens = tokens(true);
        tokens.executeFunction(token -> token); // token-1
        int threadsBefore = Thread.activeCount();

        // All subscribe from this one thread; each is rejected and waits. Were a wait to hold a thread, this loop
        // would never end and the hang guard would fail the test.
        List<CompletableFuture<String>> results = new ArrayList<>(subscriptions);
        for (int i = 0; i < subscriptions; i++) {
            results.add(TokenRefreshOperator.mono(tokens, this::ordersCall).toFuture());
        }
        assertThat(secondRefreshStarted.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(results).noneMatch(CompletableFuture::isDone);
        assertThat(tokens.getMetrics().getNumberOfWaitingCalls()).isEqualTo(subscriptions);
        assertThat(Thread.activeCount() - threadsBefore).as("threads added while 10,000 wait").isLessThan(10);

        secondRefreshMayFinish.countDown();
        CompletableFuture.allOf(results.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);

        assertThat(results).allMatch(r -> r.join().equals("ok:token-2"));
        assertThat(refreshes).as("token-1 and one shared refresh").hasValue(2);
        assertThat(subscriptionsWithToken2).hasValue(subscriptions);
    }

    @Test
    void cancellingOneSubscriberLeavesTheSharedRefreshToTheOthers() throws Exception {
        TokenRefreshDecorator tokens = tokens(true);
        tokens.executeFunction(token -> token);
        CompletableFuture<String> kept = TokenRefreshOperator.mono(tokens, this::ordersCall).toFuture();
        List<String> cancelledGot = new ArrayList<>();
        Disposable cancelled = TokenRefreshOperator.mono(tokens, this::ordersCall).subscribe(cancelledGot::add);
        assertThat(secondRefreshStarted.await(20, TimeUnit.SECONDS)).isTrue();

        cancelled.dispose();
        secondRefreshMayFinish.countDown();

        assertThat(kept.get(20, TimeUnit.SECONDS)).isEqualTo("ok:token-2");
        assertThat(refreshes).hasValue(2);
        assertThat(cancelledGot).isEmpty();
        assertThat(subscriptionsWithToken2).as("the cancelled subscriber made no second attempt").hasValue(1);
    }

    @Test
    void cancellingWhileWaitingForARefreshDropsNoError() throws Exception {
        TokenRefreshDecorator tokens = tokens(true);
        tokens.executeFunction(token -> token);

        StepVerifier.create(TokenRefreshOperator.mono(tokens, this::ordersCall))
            .expectSubscription()
            .then(() -> assertThat(awaitQuietly(secondRefreshStarted)).isTrue())
            .thenCancel()
            .verifyThenAssertThat(HANG_GUARD)
            .hasNotDroppedErrors();
        StepVerifier.create(TokenRefreshOperator.flux(tokens, token -> Flux.from(ordersCall(token))))
            .expectSubscription()
            .thenCancel()
            .verifyThenAssertThat(HANG_GUARD)
            .hasNotDroppedErrors();
    }

    @Test
    void fluxWhoseFirstElementIsRejectedIsCancelledBeforeItIsSubscribedAgain() {
        TokenRefreshDecorator tokens = tokens(false);
        AtomicInteger rejectedFluxCancelled = new AtomicInteger();

        Flux<String> lines = TokenRefreshOperator.flux(tokens, token -> token.value().equals("token-1")
            ? Flux.concat(Flux.just("rejected"), Flux.<String>never())
                .doOnCancel(rejectedFluxCancelled::incrementAndGet)
            : Flux.just("a", "b"));

        StepVerifier.create(lines).expectNext("a", "b").expectComplete().verify(HANG_GUARD);
        assertThat(rejectedFluxCancelled).as("the rejected stream is not left open").hasValue(1);
    }

    @Test
    void elementThatArrivesAfterTheSubscriberCancelledIsDiscardedNotLost() {
        TokenRefreshDecorator tokens = tokens(false);
        tokens.executeFunction(token -> token); // token-1 in hand: the attempt subscribes at once
        AtomicReference<Subscriber<? super Object>> call = new AtomicReference<>();
        Publisher<Object> ignoresCancel = subscriber -> {
            subscriber.onSubscribe(new Subscription() {
                @Override
                public void request(long n) {
                }

                @Override
                public void cancel() {
                }
            });
            call.set(subscriber);
        };
        AtomicInteger closed = new AtomicInteger();
        AutoCloseable response = closed::incrementAndGet;

        Disposable subscription = TokenRefreshOperator.mono(tokens, token -> Mono.fromDirect(ignoresCancel))
            .subscribe();
        subscription.dispose();
        call.get().onNext(response); // in flight when the subscriber cancelled: Reactive Streams §2.8
        call.get().onComplete();

        assertThat(closed).as("the late response is released, not dropped").hasValue(1);
    }

    private static boolean awaitQuietly(CountDownLatch latch) {
        try {
            return latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void noStringTheOperatorProducesContainsTheToken() {
        String secret = "at-42-SECRET";
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("orders-api", TokenRefreshConfig.custom()
            .refreshOnException(e -> e instanceof Unauthorized).build(), new OneTokenThenFailure(secret));
        List<String> produced = new ArrayList<>();
        produced.add(TokenRefreshOperator.of(tokens).toString());
        StepVerifier.create(TokenRefreshOperator.mono(tokens, token -> Mono.<String>error(new Unauthorized())))
            .expectErrorSatisfies(e -> {
                for (Throwable t = e; t != null; t = t.getCause()) {
                    produced.add(String.valueOf(t.getMessage()));
                    produced.add(t.toString());
                }
            })
            .verify(HANG_GUARD);

        assertThat(produced).hasSizeGreaterThan(2).noneMatch(s -> s.contains(secret));
    }

    /** What a client throws for a 401. */
    static final class Unauthorized extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unauthorized() {
            super("401 Unauthorized", null, false, false);
        }
    }
}
