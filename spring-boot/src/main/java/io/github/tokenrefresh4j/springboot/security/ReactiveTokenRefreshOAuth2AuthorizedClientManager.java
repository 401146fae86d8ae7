package io.github.tokenrefresh4j.springboot.security;

import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.util.Assert;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.Objects;

/**
 * A {@link ReactiveOAuth2AuthorizedClientManager} that lets concurrent {@code authorize} subscriptions share one
 * subscription to the manager it wraps when that manager would load and save the same authorized client for all of
 * them: one token request however many callers, all of them getting its authorized client (or its error). Which
 * subscriptions those are depends on the wrapped manager, as for {@link TokenRefreshOAuth2AuthorizedClientManager}:
 * the same client registration and principal name for
 * {@code AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager}; the same {@code WebSession} and {@code scope}
 * query parameter for {@code DefaultReactiveOAuth2AuthorizedClientManager}
 * with Spring's session-backed repository and default context-attributes mapper; the same
 * {@code ServerWebExchange} for any other manager, never across exchanges.
 *
 * <p>The Spring Boot starter wraps every {@code ReactiveOAuth2AuthorizedClientManager} bean with it; without Boot:
 *
 * <pre>{@code
 * ReactiveOAuth2AuthorizedClientManager manager = new ReactiveTokenRefreshOAuth2AuthorizedClientManager(
 *     new AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager(registrations, clientService),
 *     TokenRefreshRegistry.ofDefaults());
 * WebClient client = WebClient.builder()
 *     .filter(new ServerOAuth2AuthorizedClientExchangeFilterFunction(manager))
 *     .build();
 * }</pre>
 *
 * <p>The wrapped call runs to its end even when the subscriber that started it cancels, so the others still get
 * its outcome; a wrapped call that has not answered within the registration's {@code refreshTimeout} is cancelled
 * and fails its subscribers with a {@link TokenRefreshException}. The key is removed when the call ends. Each client
 * registration gets a decorator in the registry, named after the registration id, whose metrics, actuator entry and
 * health follow the token requests. After a failed token request, the subscriptions that would have shared it fail
 * at once until the registration's {@code failureCooldown} ends, as in
 * {@link TokenRefreshOAuth2AuthorizedClientManager}.
 */
public final class ReactiveTokenRefreshOAuth2AuthorizedClientManager implements ReactiveOAuth2AuthorizedClientManager {

    private final ReactiveOAuth2AuthorizedClientManager delegate;
    private final Flights flights;
    private final ReactivePartitions.ReactivePartitioner partitions;

    /**
     * @param delegate the manager that makes the token requests
     * @param registry where the decorator of each client registration goes
     */
    public ReactiveTokenRefreshOAuth2AuthorizedClientManager(ReactiveOAuth2AuthorizedClientManager delegate,
                                                             TokenRefreshRegistry registry) {
        this(delegate, registry, ReactivePartitions.of(Objects.requireNonNull(delegate, "delegate must not be null")));
    }

    /**
     * Wraps a reactive manager that is known to load and save authorized clients by client registration id and
     * principal name alone, so that its concurrent subscriptions for one registration and principal share one
     * token request, in or out of an exchange. Use it only when that holds (see
     * {@link TokenRefreshOAuth2AuthorizedClientManager#sharingByPrincipal}).
     *
     * <pre>{@code
     * ReactiveOAuth2AuthorizedClientManager manager =
     *     ReactiveTokenRefreshOAuth2AuthorizedClientManager.sharingByPrincipal(myServiceBackedManager, registry);
     * }</pre>
     *
     * @param delegate a manager that loads and saves by registration id and principal name
     * @param registry where the decorator of each client registration goes
     * @return the wrapper
     */
    public static ReactiveTokenRefreshOAuth2AuthorizedClientManager sharingByPrincipal(
        ReactiveOAuth2AuthorizedClientManager delegate, TokenRefreshRegistry registry) {
        return new ReactiveTokenRefreshOAuth2AuthorizedClientManager(delegate, registry,
            (request, context) -> Mono.just(Partitions.BY_PRINCIPAL));
    }

    /** With the partitions given ({@link ReactivePartitions}). */
    ReactiveTokenRefreshOAuth2AuthorizedClientManager(ReactiveOAuth2AuthorizedClientManager delegate,
                                                      TokenRefreshRegistry registry,
                                                      ReactivePartitions.ReactivePartitioner partitions) {
        this.delegate = Objects.requireNonNull(delegate, "delegate must not be null");
        this.flights = new Flights(Objects.requireNonNull(registry, "registry must not be null"),
            ClockSkews.of(delegate));
        this.partitions = partitions;
    }

    /** @return the wrapped manager */
    public ReactiveOAuth2AuthorizedClientManager getDelegate() {
        return delegate;
    }

    @Override
    public Mono<OAuth2AuthorizedClient> authorize(OAuth2AuthorizeRequest authorizeRequest) {
        // The wrapped call gets the first subscriber's context (Spring's default manager reads the
        // ServerWebExchange from it); one subscriber's cancel must not cancel the shared flight.
        // A wrapped call that never answers would hold every later caller of its key: it is cancelled after the
        // registration's refresh timeout, which ends the flight.
        Assert.notNull(authorizeRequest, "authorizeRequest cannot be null"); // at once, as Spring's managers do
        // A call refused in a failure cooldown fails at subscription, counted once per subscriber.
        String registrationId = authorizeRequest.getClientRegistrationId();
        return Mono.deferContextual(context -> partitions.partition(authorizeRequest, context).flatMap(partition ->
            Mono.fromFuture(flights.join(Flights.key(authorizeRequest, partition), key -> {
                Duration timeout = flights.refreshTimeout(key.registrationId());
                return delegate.authorize(authorizeRequest).contextWrite(context)
                    .timeout(timeout, Mono.error(() -> {
                        flights.waitTimedOut(key.registrationId());
                        return timedOut(key.registrationId(), timeout);
                    }))
                    .toFuture();
            }), true)))
            .doOnError(failure -> flights.callFailed(registrationId, failure));
    }

    private static TokenRefreshException timedOut(String registrationId, Duration timeout) {
        return new TokenRefreshException("the token request for client registration '" + registrationId
            + "' did not answer within " + timeout + " and was cancelled; raise refresh-timeout of "
            + "tokenrefresh4j.instances." + registrationId + " or check the authorization server", null);
    }

    @Override
    public String toString() {
        return "ReactiveTokenRefreshOAuth2AuthorizedClientManager{delegate=" + delegate + ", flightsInProgress="
            + flights.inProgress() + '}';
    }
}
