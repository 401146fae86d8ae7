package io.github.tokenrefresh4j.springboot.security;

import io.github.tokenrefresh4j.TokenRefreshRegistry;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The single flight shared by the imperative and the reactive manager: one {@code authorize} in flight per client
 * registration and principal; later callers for that key share its future.
 *
 * <p>Invariants: a key maps to a future only while its flight runs; the flight's leader removes the key (only if
 * it still maps to its own future) and then completes the future, in that order and whatever the outcome, so a
 * caller arriving after the removal starts a new flight and never finds a completed one, and no waiter is left
 * behind. Reporting to the registry comes after, and nothing it throws reaches the callers. The map holds only
 * flights in progress, so it stays small with millions of principals.
 */
final class Flights {

    private static final Logger LOG = Logger.getLogger(Flights.class.getName());

    /** The key of a flight. The principal's name never leaves this class (it is no metric tag). */
    record Key(String registrationId, String principalName) {
    }

    private final Map<Key, CompletableFuture<OAuth2AuthorizedClient>> inFlight = new ConcurrentHashMap<>();
    private final TokenRefreshRegistry registry;
    private final Map<String, RegistrationMonitor> monitors = new ConcurrentHashMap<>();

    Flights(TokenRefreshRegistry registry) {
        this.registry = registry;
    }

    static Key key(OAuth2AuthorizeRequest request) {
        Objects.requireNonNull(request, "authorizeRequest must not be null");
        return new Key(request.getClientRegistrationId(), request.getPrincipal().getName());
    }

    /**
     * Joins the flight of {@code key}, or starts it with {@code start} (which returns the future of the wrapped
     * manager's answer) when none is in progress.
     */
    CompletableFuture<OAuth2AuthorizedClient> join(Key key,
                                                   Function<Key, CompletableFuture<OAuth2AuthorizedClient>> start) {
        CompletableFuture<OAuth2AuthorizedClient> mine = new CompletableFuture<>();
        CompletableFuture<OAuth2AuthorizedClient> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            return running;
        }
        Instant started = Instant.now();
        CompletableFuture<OAuth2AuthorizedClient> work;
        try {
            work = start.apply(key);
        } catch (RuntimeException | Error e) {
            work = CompletableFuture.failedFuture(e);
        }
        work.whenComplete((client, failure) -> {
            inFlight.remove(key, mine);
            Throwable cause = unwrap(failure);
            if (cause == null) {
                mine.complete(client);
            } else {
                mine.completeExceptionally(cause);
            }
            try {
                monitor(key.registrationId()).flightEnded(started, client, cause);
            } catch (RuntimeException e) {
                // monitoring never changes the callers' outcome, which they already have
                LOG.log(Level.FINE, "reporting a token request to the registry failed", e);
            }
        });
        return mine;
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
