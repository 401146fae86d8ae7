package io.github.tokenrefresh4j.springboot.security;

import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.TestingAuthenticationToken;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AccessToken;

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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Issue 22 #5: the meters of Spring's path count what the registration's decorator cannot see. */
class SpringSecurityTokenRequestMetricsTest {

    private static final int CALLERS = 8;
    private static final ClientRegistration REGISTRATION = ClientRegistration.withRegistrationId("orders")
        .clientId("c").clientSecret("s").authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
        .tokenUri("http://127.0.0.1/token").build();

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void coalescedCallsAndTheTokenRequestAreCountedAsTheyHappened() throws Exception {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        new SpringSecurityTokenRequestMetrics(registry).bindTo(meters); // before the registration exists
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        TokenRefreshOAuth2AuthorizedClientManager manager = heldUntilReleased(registry, calls, release);
        List<Future<OAuth2AuthorizedClient>> answers = new ArrayList<>();
        answers.add(threads.submit(() -> manager.authorize(request())));
        await().atMost(30, TimeUnit.SECONDS).until(() -> calls.get() == 1);
        for (int i = 1; i < CALLERS; i++) {
            answers.add(threads.submit(() -> manager.authorize(request())));
        }
        await().atMost(30, TimeUnit.SECONDS).until(() -> coalesced() == CALLERS - 1);
        release.countDown();
        for (Future<OAuth2AuthorizedClient> answer : answers) {
            assertThat(answer.get(30, TimeUnit.SECONDS)).isNotNull();
        }

        FunctionTimer requests = meters.get("tokenrefresh.oauth2client.token.requests").tag("name", "orders")
            .functionTimer();
        assertThat(requests.count()).isEqualTo(1);
        assertThat(requests.totalTime(TimeUnit.NANOSECONDS)).isPositive();
        assertThat(coalesced()).isEqualTo(CALLERS - 1);
    }

    @Test
    void aCallThatGivesUpWaitingIsCounted() throws Exception {
        TokenRefreshRegistry registry = TokenRefreshRegistry.of(TokenRefreshConfig.custom()
            .refreshTimeout(Duration.ofMillis(50)).build());
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        TokenRefreshOAuth2AuthorizedClientManager manager = heldUntilReleased(registry, calls, release);
        Future<OAuth2AuthorizedClient> leader = threads.submit(() -> manager.authorize(request()));
        await().atMost(30, TimeUnit.SECONDS).until(() -> calls.get() == 1);
        new SpringSecurityTokenRequestMetrics(registry).bindTo(meters); // after the registration exists

        assertThatThrownBy(() -> manager.authorize(request())).isInstanceOf(TokenRefreshException.class);
        release.countDown();
        leader.get(30, TimeUnit.SECONDS);

        assertThat(meters.get("tokenrefresh.oauth2client.wait.timeouts").tag("name", "orders").functionCounter()
            .count()).isEqualTo(1);
    }

    private double coalesced() {
        return meters.find("tokenrefresh.oauth2client.coalesced.calls").tag("name", "orders").functionCounters()
            .stream().mapToDouble(counter -> counter.count()).sum();
    }

    private static OAuth2AuthorizeRequest request() {
        return OAuth2AuthorizeRequest.withClientRegistrationId("orders")
            .principal(new TestingAuthenticationToken("alice", null)).build();
    }

    private static OAuth2AuthorizedClient issuedNow() {
        Instant now = Instant.now();
        return new OAuth2AuthorizedClient(REGISTRATION, "alice", new OAuth2AccessToken(
            OAuth2AccessToken.TokenType.BEARER, "t", now, now.plusSeconds(3600)));
    }

    private static void awaitRelease(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released in 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A wrapped manager whose token requests are counted and each held until {@code release}. */
    private static TokenRefreshOAuth2AuthorizedClientManager heldUntilReleased(TokenRefreshRegistry registry,
                                                                             AtomicInteger calls,
                                                                             CountDownLatch release) {
        return TokenRefreshOAuth2AuthorizedClientManager.sharingByPrincipal(request -> {
            calls.incrementAndGet();
            awaitRelease(release);
            return issuedNow();
        }, registry);
    }
}
