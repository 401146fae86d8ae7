package io.github.tokenrefresh4j.springboot.security;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.TestingAuthenticationToken;
import org.springframework.security.oauth2.client.OAuth2AuthorizationContext;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The single flight of the managers, without Spring: who shares a call, who does not, and what is left behind. */
class TokenRefreshOAuth2AuthorizedClientManagerTest {

    private static final int CALLERS = 16;
    private static final ClientRegistration REGISTRATION = ClientRegistration.withRegistrationId("orders")
        .clientId("c").clientSecret("s").authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
        .tokenUri("http://127.0.0.1/token").build();

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void concurrentCallsForOneRegistrationAndPrincipalShareOneCallAndLeaveNoKey() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        OAuth2AuthorizedClient client = client("alice");
        TokenRefreshOAuth2AuthorizedClientManager manager = byPrincipal(request -> {
            calls.incrementAndGet();
            awaitRelease(release);
            return client;
        }, registry);

        List<Future<OAuth2AuthorizedClient>> answers = new ArrayList<>();
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < CALLERS; i++) {
            answers.add(threads.submit(() -> {
                synchronized (callers) {
                    callers.add(Thread.currentThread());
                }
                return manager.authorize(request("alice"));
            }));
        }
        // Every caller is parked: the leader in the wrapped manager, the others on its flight.
        await().atMost(30, TimeUnit.SECONDS).until(() -> {
            synchronized (callers) {
                return callers.size() == CALLERS && callers.stream().allMatch(t ->
                    t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING);
            }
        });
        release.countDown();
        for (Future<OAuth2AuthorizedClient> answer : answers) {
            assertThat(answer.get(30, TimeUnit.SECONDS)).isSameAs(client);
        }
        assertThat(calls).hasValue(1);
        assertThat(manager.toString()).contains("flightsInProgress=0");
        assertThat(registry.find("orders")).isPresent();
    }

    @Test
    void differentPrincipalsDoNotShareACall() throws Exception {
        CountDownLatch bothInside = new CountDownLatch(2);
        TokenRefreshOAuth2AuthorizedClientManager manager = byPrincipal(request -> {
            bothInside.countDown();
            awaitRelease(bothInside);
            return client(request.getPrincipal().getName());
        }, registry);
        Future<OAuth2AuthorizedClient> alice = threads.submit(() -> manager.authorize(request("alice")));
        Future<OAuth2AuthorizedClient> bob = threads.submit(() -> manager.authorize(request("bob")));
        assertThat(alice.get(30, TimeUnit.SECONDS).getPrincipalName()).isEqualTo("alice");
        assertThat(bob.get(30, TimeUnit.SECONDS).getPrincipalName()).isEqualTo("bob");
    }

    @Test
    void aFailureReachesEveryWaiterOnceAndTheNextCallStartsAFreshFlight() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        OAuth2AuthorizedClient client = client("alice");
        TokenRefreshOAuth2AuthorizedClientManager manager = byPrincipal(request -> {
            if (calls.incrementAndGet() == 1) {
                awaitRelease(release);
                throw new IllegalStateException("token endpoint down");
            }
            return client;
        }, registry);
        Future<OAuth2AuthorizedClient> leader = threads.submit(() -> manager.authorize(request("alice")));
        await().atMost(30, TimeUnit.SECONDS).until(() -> calls.get() == 1);
        Future<OAuth2AuthorizedClient> follower = threads.submit(() -> manager.authorize(request("alice")));
        await().atMost(30, TimeUnit.SECONDS).until(() -> manager.toString().contains("flightsInProgress=1"));
        release.countDown();

        assertThatThrownBy(() -> leader.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> follower.get(30, TimeUnit.SECONDS))
            .hasCauseInstanceOf(IllegalStateException.class);
        assertThat(manager.authorize(request("alice"))).isSameAs(client);
        assertThat(manager.toString()).contains("flightsInProgress=0");
    }

    @Test
    void reactiveSubscribersShareOneSubscriptionEvenWhenTheFirstCancels() {
        AtomicInteger subscriptions = new AtomicInteger();
        Sinks.One<OAuth2AuthorizedClient> answer = Sinks.one();
        ReactiveTokenRefreshOAuth2AuthorizedClientManager manager =
            reactiveByPrincipal(request -> answer.asMono()
                .doOnSubscribe(s -> subscriptions.incrementAndGet()), registry);

        manager.authorize(request("alice")).subscribe().dispose(); // the first subscriber goes away
        Mono<OAuth2AuthorizedClient> second = manager.authorize(request("alice"));
        Mono<OAuth2AuthorizedClient> third = manager.authorize(request("alice"));
        OAuth2AuthorizedClient client = client("alice");
        List<OAuth2AuthorizedClient> got = new ArrayList<>();
        second.subscribe(got::add);
        third.subscribe(got::add);
        answer.tryEmitValue(client);

        assertThat(got).containsExactly(client, client);
        assertThat(subscriptions).hasValue(1);
        assertThat(manager.toString()).contains("flightsInProgress=0");
    }

    @Test
    void anApplicationsOwnDecoratorOfTheRegistrationsNameIsNeverRefreshedByTheManager() {
        AtomicInteger ownRefreshes = new AtomicInteger();
        TokenRefreshDecorator own = registry.tokenRefresh("orders", current -> {
            ownRefreshes.incrementAndGet();
            return AccessToken.of("own");
        });
        TokenRefreshOAuth2AuthorizedClientManager manager =
            byPrincipal(request -> client("alice"), registry);

        assertThat(manager.authorize(request("alice")).getPrincipalName()).isEqualTo("alice");
        // a refresh the manager would have started (a replay runs on the refresh executor) has ended
        await().atMost(30, TimeUnit.SECONDS).until(() -> !own.getMetrics().isRefreshInFlight());
        assertThat(ownRefreshes).hasValue(0);
    }

    @Test
    void twoManagersOfOneRegistryReportToTheSameDecorator() {
        byPrincipal(request -> client("alice"), registry)
            .authorize(request("alice"));
        await().atMost(30, TimeUnit.SECONDS).until(() ->
            registry.find("orders").orElseThrow().getMetrics().getNumberOfSuccessfulRefreshes() == 1);
        byPrincipal(request -> client("bob"), registry)
            .authorize(request("bob"));

        await().atMost(30, TimeUnit.SECONDS).until(() ->
            registry.find("orders").orElseThrow().getMetrics().getNumberOfSuccessfulRefreshes() == 2);
    }

    @Test
    void theWrappedReactiveCallSeesTheSubscribersContext() {
        ReactiveTokenRefreshOAuth2AuthorizedClientManager manager =
            reactiveByPrincipal(request -> Mono.deferContextual(context ->
                Mono.just(client(context.get("exchange")))), registry);

        OAuth2AuthorizedClient client = manager.authorize(request("alice"))
            .contextWrite(context -> context.put("exchange", "alice")).block(Duration.ofSeconds(30));

        assertThat(client.getPrincipalName()).isEqualTo("alice");
    }

    @Test
    void aCallThatBringsItsOwnAuthorizedClientIsNotGivenAnotherCallersAnswer() throws Exception {
        OAuth2AuthorizedClient reauthorized = client("alice", "reauthorized");
        OAuth2AuthorizedClient loaded = client("alice");
        assertOwnAnswerWhileAPlainCallIsInFlight(loaded, reauthorized,
            OAuth2AuthorizeRequest.withAuthorizedClient(client("alice", "rejected"))
                .principal(new TestingAuthenticationToken("alice", null)).build());
    }

    @Test
    void aCallWithOtherAttributesIsNotGivenAnotherCallersAnswer() throws Exception {
        OAuth2AuthorizedClient narrower = client("alice", "narrower-scope");
        assertOwnAnswerWhileAPlainCallIsInFlight(client("alice"), narrower,
            OAuth2AuthorizeRequest.withClientRegistrationId(REGISTRATION.getRegistrationId())
                .principal(new TestingAuthenticationToken("alice", null))
                .attribute(OAuth2AuthorizationContext.REQUEST_SCOPE_ATTRIBUTE_NAME, new String[] {"read"}).build());
    }

    private void assertOwnAnswerWhileAPlainCallIsInFlight(OAuth2AuthorizedClient plainAnswer,
                                                          OAuth2AuthorizedClient ownAnswer,
                                                          OAuth2AuthorizeRequest own) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        TokenRefreshOAuth2AuthorizedClientManager manager = byPrincipal(request -> {
            calls.incrementAndGet();
            if (request == own) {
                return ownAnswer;
            }
            awaitRelease(release);
            return plainAnswer;
        }, registry);
        Future<OAuth2AuthorizedClient> plain = threads.submit(() -> manager.authorize(request("alice")));
        await().atMost(30, TimeUnit.SECONDS).until(() -> calls.get() == 1);
        AtomicReference<Thread> ownThread = new AtomicReference<>();
        Future<OAuth2AuthorizedClient> answer = threads.submit(() -> {
            ownThread.set(Thread.currentThread());
            return manager.authorize(own);
        });
        // Either it made its own call, or it is parked on the plain call's flight.
        await().atMost(30, TimeUnit.SECONDS).until(() -> answer.isDone()
            || ownThread.get() != null && ownThread.get().getState() == Thread.State.TIMED_WAITING);
        release.countDown();

        assertThat(answer.get(30, TimeUnit.SECONDS)).isSameAs(ownAnswer);
        assertThat(plain.get(30, TimeUnit.SECONDS)).isSameAs(plainAnswer);
        assertThat(manager.toString()).contains("flightsInProgress=0");
    }

    @Test
    void aReactiveCallThatNeverAnswersFailsEverySubscriberAfterTheRefreshTimeoutAndLeavesNoKey() {
        // no failure cooldown, so that the next call makes its own (SpringPathGuaranteesTest covers the cooldown)
        TokenRefreshRegistry quick = TokenRefreshRegistry.of(TokenRefreshConfig.custom()
            .refreshTimeout(Duration.ofMillis(100)).failureCooldown(Duration.ZERO).build());
        AtomicInteger calls = new AtomicInteger();
        OAuth2AuthorizedClient client = client("alice");
        ReactiveTokenRefreshOAuth2AuthorizedClientManager manager =
            reactiveByPrincipal(request ->
                calls.incrementAndGet() == 1 ? Mono.never() : Mono.just(client), quick);
        List<Throwable> firstFailure = new ArrayList<>();
        manager.authorize(request("alice")).subscribe(c -> { }, firstFailure::add);

        assertThatThrownBy(() -> manager.authorize(request("alice")).block(Duration.ofSeconds(30)))
            .isInstanceOf(TokenRefreshException.class).hasMessageContaining("orders")
            .hasMessageNotContaining("alice");
        await().atMost(30, TimeUnit.SECONDS).until(() -> firstFailure.size() == 1);
        assertThat(firstFailure.get(0)).isInstanceOf(TokenRefreshException.class);
        assertThat(manager.authorize(request("alice")).block(Duration.ofSeconds(30))).isSameAs(client);
        assertThat(calls).hasValue(2);
        assertThat(manager.toString()).contains("flightsInProgress=0");
    }

    @Test
    void aClockThatThrowsAnErrorInTheCooldownCheckLeavesNoKeyTaken() {
        TokenRefreshRegistry broken = TokenRefreshRegistry.of(TokenRefreshConfig.custom()
            .clock(new ErrorClock()).build());
        AtomicInteger calls = new AtomicInteger();
        TokenRefreshOAuth2AuthorizedClientManager manager = byPrincipal(request -> {
            calls.incrementAndGet();
            return client("alice");
        }, broken);

        try {
            manager.authorize(request("alice"));
        } catch (AssertionError expected) {
            // the clock's error may reach the caller; the flight must still end
        }
        assertThat(manager.toString()).contains("flightsInProgress=0");
    }

    @Test
    void aCooldownFunctionThatThrowsAnErrorStillEndsTheFlight() throws Exception {
        TokenRefreshRegistry broken = TokenRefreshRegistry.of(TokenRefreshConfig.custom()
            .failureCooldown(attempt -> {
                throw new AssertionError("cooldown function broke");
            }).build());
        TokenRefreshOAuth2AuthorizedClientManager manager = byPrincipal(request -> {
            throw new org.springframework.security.oauth2.client.ClientAuthorizationException(
                new org.springframework.security.oauth2.core.OAuth2Error("invalid_token_response"), "orders", "503");
        }, broken);

        Future<OAuth2AuthorizedClient> leader = threads.submit(() -> manager.authorize(request("alice")));
        assertThatThrownBy(() -> leader.get(30, TimeUnit.SECONDS))
            .hasCauseInstanceOf(org.springframework.security.oauth2.client.ClientAuthorizationException.class);
        assertThat(manager.toString()).contains("flightsInProgress=0");
    }

    /** A clock whose reading throws an Error, as a broken time source might. */
    private static final class ErrorClock extends java.time.Clock {
        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            throw new AssertionError("clock broke");
        }
    }

    @Test
    void theDecoratorsOfARegistryThatIsGoneAreNotKeptAlive() {
        WeakReference<TokenRefreshDecorator> decorator = registrationDecoratorOfAThrowawayRegistry();

        await().atMost(30, TimeUnit.SECONDS).until(() -> {
            System.gc();
            return decorator.get() == null;
        });
    }

    private static WeakReference<TokenRefreshDecorator> registrationDecoratorOfAThrowawayRegistry() {
        TokenRefreshRegistry throwaway = TokenRefreshRegistry.ofDefaults();
        // answered from the store (issued before the call): the decorator is created but has nothing scheduled
        Instant issued = Instant.now().minusSeconds(60);
        OAuth2AuthorizedClient stored = new OAuth2AuthorizedClient(REGISTRATION, "alice", new OAuth2AccessToken(
            OAuth2AccessToken.TokenType.BEARER, "stored", issued, issued.plusSeconds(3600)));
        byPrincipal(request -> stored, throwaway).authorize(request("alice"));
        return new WeakReference<>(throwaway.find("orders").orElseThrow());
    }

    @Test
    void callsToAManagerTheStarterCannotReasonAboutAreNeverSharedAcrossRequests() throws Exception {
        CountDownLatch bothInside = new CountDownLatch(2);
        AtomicInteger calls = new AtomicInteger();
        // a custom manager: it might load and save by anything, so two calls outside a request share nothing
        TokenRefreshOAuth2AuthorizedClientManager manager = new TokenRefreshOAuth2AuthorizedClientManager(request -> {
            calls.incrementAndGet();
            bothInside.countDown();
            awaitRelease(bothInside);
            return client("alice", "token-" + calls.get());
        }, registry);
        Future<OAuth2AuthorizedClient> first = threads.submit(() -> manager.authorize(request("alice")));
        Future<OAuth2AuthorizedClient> second = threads.submit(() -> manager.authorize(request("alice")));

        assertThat(first.get(30, TimeUnit.SECONDS)).isNotNull();
        assertThat(second.get(30, TimeUnit.SECONDS)).isNotNull();
        assertThat(calls).hasValue(2);
    }

    @Test
    void authorizeNullThrowsIllegalArgumentExceptionAtOnceAsSpringsManagersDo() {
        assertThatThrownBy(() -> byPrincipal(request -> null, registry).authorize(null))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("authorizeRequest cannot be null");
        // reactive: thrown by the call itself, not on subscription
        assertThatThrownBy(() -> reactiveByPrincipal(request -> Mono.empty(), registry).authorize(null))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("authorizeRequest cannot be null");
    }

    private static OAuth2AuthorizeRequest request(String principal) {
        return OAuth2AuthorizeRequest.withClientRegistrationId(REGISTRATION.getRegistrationId())
            .principal(new TestingAuthenticationToken(principal, null)).build();
    }

    private static OAuth2AuthorizedClient client(String principal) {
        return client(principal, "token-of-" + principal);
    }

    private static OAuth2AuthorizedClient client(String principal, String token) {
        Instant now = Instant.now();
        return new OAuth2AuthorizedClient(REGISTRATION, principal, new OAuth2AccessToken(
            OAuth2AccessToken.TokenType.BEARER, token, now, now.plusSeconds(3600)));
    }

    private static void awaitRelease(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch not released in 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The public opt-in for a manager that, like Spring's service-backed ones, loads and saves by principal name. */
    static TokenRefreshOAuth2AuthorizedClientManager byPrincipal(
        org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager delegate, TokenRefreshRegistry registry) {
        return TokenRefreshOAuth2AuthorizedClientManager.sharingByPrincipal(delegate, registry);
    }

    /** The same, reactive. */
    static ReactiveTokenRefreshOAuth2AuthorizedClientManager reactiveByPrincipal(
        org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager delegate,
        TokenRefreshRegistry registry) {
        return ReactiveTokenRefreshOAuth2AuthorizedClientManager.sharingByPrincipal(delegate, registry);
    }
}
