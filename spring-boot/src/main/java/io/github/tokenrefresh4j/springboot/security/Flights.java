package io.github.tokenrefresh4j.springboot.security;

import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.core.OAuth2AccessToken;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The single flight shared by the imperative and the reactive manager: one {@code authorize} in flight per client
 * registration, principal, partition (session or request, {@link Partitions}) and what the call asks for
 * ({@link Key}); later callers for that key share its future.
 *
 * <p>Invariants: a key maps to a future only while its flight runs; the flight's leader removes the key (only if
 * it still maps to its own future) and then completes the future, in that order and whatever the outcome, so a
 * caller arriving after the removal starts a new flight and never finds a completed one, and no waiter is left
 * behind. Reporting to the registry comes after, and nothing it throws reaches the callers. The map holds only
 * flights in progress, so it stays small with millions of principals.
 */
final class Flights {

    private static final Logger LOG = Logger.getLogger(Flights.class.getName());

    /**
     * The attributes that carry the request a call runs in, not what it asks for: calls that differ only in them
     * share a flight.
     */
    private static final Set<String> CARRIER_ATTRIBUTES = Set.of("jakarta.servlet.http.HttpServletRequest",
        "jakarta.servlet.http.HttpServletResponse", "org.springframework.web.server.ServerWebExchange");

    /**
     * The key of a flight: what the call asks for, and where Spring's manager keeps its answer. Besides the
     * registration and principal, the access token of the authorized client a call brings to be re-authorized,
     * the attributes other than the carriers (a requested scope, say), so a call is never given the answer to
     * another question, and the partition ({@link Partitions}): the session or request whose repository Spring's
     * manager loads and saves through, or {@link Partitions#BY_PRINCIPAL}, so a call is never given another
     * session's authorized client. Attribute values compare by {@code equals}: an array value never matches
     * another call's. The principal's name, the session and the rest never leave this class (no metric tag, no
     * log, not in {@link #toString()}).
     */
    record Key(String registrationId, String principalName, OAuth2AccessToken reauthorizing,
               Map<String, Object> attributes, Object partition) {
        @Override
        public String toString() {
            return "Key{registrationId=" + registrationId + '}';
        }
    }

    private final Map<Key, CompletableFuture<OAuth2AuthorizedClient>> inFlight = new ConcurrentHashMap<>();
    private final TokenRefreshRegistry registry;
    private final Map<String, RegistrationMonitor> monitors = new ConcurrentHashMap<>();
    private final Cooldowns cooldowns = new Cooldowns();
    private final ClockSkews.ClockSkew clockSkew;

    /**
     * @param clockSkew by registration id and token, how long before its expiry Spring's provider refreshes it
     *                  ({@link ClockSkews})
     */
    Flights(TokenRefreshRegistry registry, ClockSkews.ClockSkew clockSkew) {
        this.registry = registry;
        this.clockSkew = clockSkew;
    }

    static Key key(OAuth2AuthorizeRequest request, Object partition) {
        OAuth2AuthorizedClient given = request.getAuthorizedClient();
        return new Key(request.getClientRegistrationId(), request.getPrincipal().getName(),
            given == null ? null : given.getAccessToken(), askedFor(request.getAttributes()),
            Objects.requireNonNull(partition, "partition"));
    }

    private static Map<String, Object> askedFor(Map<String, Object> attributes) {
        if (attributes.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> askedFor = new HashMap<>(attributes);
        askedFor.keySet().removeAll(CARRIER_ATTRIBUTES);
        return askedFor.isEmpty() ? Map.of() : askedFor;
    }

    /**
     * Joins the flight of {@code key}, or starts it with {@code start} (which returns the future of the wrapped
     * manager's answer) when none is in progress. A flight of a key in its failure cooldown ({@link Cooldowns})
     * fails at once with a refusal, without calling {@code start}. The leader checks the cooldown after it took
     * the key, and a flight records its cooldown before it gives the key up: no call can slip between the two.
     */
    CompletableFuture<OAuth2AuthorizedClient> join(Key key,
                                                   Function<Key, CompletableFuture<OAuth2AuthorizedClient>> start) {
        RegistrationMonitor monitor = monitor(key.registrationId()); // before the key is taken: it may throw
        CompletableFuture<OAuth2AuthorizedClient> mine = new CompletableFuture<>();
        CompletableFuture<OAuth2AuthorizedClient> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            monitor.coalescedCalls.increment();
            return running;
        }
        TokenRefreshConfig config = monitor.decorator().getTokenRefreshConfig();
        Throwable refused;
        try {
            refused = cooldowns.refusal(key, config.getClock().instant());
        } catch (RuntimeException e) { // a clock that throws means no cooldown, as in the decorator
            refused = null;
        } catch (Error e) { // the key is taken: it must be given up, and its callers told
            refused = e;
        }
        if (refused != null) {
            inFlight.remove(key, mine);
            mine.completeExceptionally(refused);
            return mine;
        }
        Instant started = Instant.now();
        CompletableFuture<OAuth2AuthorizedClient> work;
        try {
            work = start.apply(key);
        } catch (RuntimeException | Error e) {
            work = CompletableFuture.failedFuture(e);
        }
        work.whenComplete((client, failure) -> {
            Throwable cause = unwrap(failure);
            try {
                cooldowns.ended(key, cause, config.getFailureCooldown(), config.getClock().instant());
            } catch (RuntimeException | Error e) { // the key must be given up and the callers answered anyway
                LOG.log(Level.FINE, "recording the failure cooldown of a token request failed", e);
            }
            inFlight.remove(key, mine);
            if (cause == null) {
                mine.complete(client);
            } else {
                mine.completeExceptionally(cause);
            }
            try {
                monitor.flightEnded(started, client, cause,
                    clockSkew.of(key.registrationId(), client == null ? null : client.getAccessToken()));
            } catch (RuntimeException e) {
                // monitoring never changes the callers' outcome, which they already have
                LOG.log(Level.FINE, "reporting a token request to the registry failed", e);
            }
        });
        return mine;
    }

    /** Counts a call that failed with {@code failure}, when it was refused in a failure cooldown. */
    void callFailed(String registrationId, Throwable failure) {
        if (failure instanceof Cooldowns.Refusal) {
            monitor(registrationId).cooldownRefusals.increment();
        }
    }

    /** @return how many keys keep a failure cooldown */
    int cooldowns() {
        return cooldowns.size();
    }

    /** Counts a call (or a reactive token request) that gave up after the refresh timeout. */
    void waitTimedOut(String registrationId) {
        monitor(registrationId).waitTimeouts.increment();
    }

    /** @return how many flights are in progress */
    int inProgress() {
        return inFlight.size();
    }

    /** @return the decorator config's refresh timeout for the registration, the bound of a waiting caller */
    Duration refreshTimeout(String registrationId) {
        return monitor(registrationId).decorator().getTokenRefreshConfig().getRefreshTimeout();
    }

    private RegistrationMonitor monitor(String registrationId) {
        return monitors.computeIfAbsent(registrationId, id -> RegistrationMonitor.of(registry, id));
    }

    static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
