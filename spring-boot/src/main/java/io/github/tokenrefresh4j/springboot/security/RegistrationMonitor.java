package io.github.tokenrefresh4j.springboot.security;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.core.OAuth2AccessToken;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.logging.Logger;
import java.util.concurrent.CompletableFuture;

/**
 * Reports the token requests Spring Security makes for one client registration to the decorator of that name in
 * the registry, so its metrics, endpoint entry and health follow them.
 *
 * <p>The decorator does not make the token requests (Spring Security's manager does, per principal); its
 * refresher replays the outcome of the last flight that obtained a token or failed. A flight obtained a token
 * when the token's issue instant is not before the flight's start. The replayed token carries a placeholder value
 * and, as its expiry, the instant Spring will refresh the token ({@link #flightEnded}): the decorator never holds
 * the access token. While the decorator is in its failure cooldown it refuses the replay, and catches up with the
 * next flight after the cooldown.
 */
final class RegistrationMonitor {

    private static final Logger LOG = Logger.getLogger(RegistrationMonitor.class.getName());

    /**
     * The decorators monitors created, so that two managers of one registry share the monitor of a registration.
     * Weak both ways (the decorator's refresher holds its monitor), so that the decorators of a registry that is gone,
     * with a closed application context, go too. Guarded by itself.
     */
    private static final Map<TokenRefreshDecorator, WeakReference<RegistrationMonitor>> CREATED = new WeakHashMap<>();

    /** Who wants to hear of each monitor created for a registry ({@link #follow}). Guarded by {@link #CREATED}. */
    private static final Map<TokenRefreshRegistry, List<Consumer<RegistrationMonitor>>> FOLLOWERS =
        new WeakHashMap<>();

    private final TokenRefreshDecorator decorator;
    private final boolean reporting;
    private volatile Object latest;

    /** Calls that shared a token request another call started. */
    final LongAdder coalescedCalls = new LongAdder();
    /** Calls (imperative) or token requests (reactive) that gave up after the refresh timeout. */
    final LongAdder waitTimeouts = new LongAdder();
    /** Calls refused in a failure cooldown of their partition, without a token request. */
    final LongAdder cooldownRefusals = new LongAdder();
    /** Token requests Spring's manager made (a token issued after the call started, or a failure). */
    final LongAdder tokenRequests = new LongAdder();
    /** Their total duration, from the call that started each to its answer. */
    final LongAdder tokenRequestNanos = new LongAdder();

    private RegistrationMonitor(TokenRefreshRegistry registry, String registrationId) {
        this.decorator = registry.tokenRefresh(registrationId, this::replay);
        this.reporting = true;
    }

    private RegistrationMonitor(TokenRefreshDecorator foreign) {
        this.decorator = foreign;
        this.reporting = false;
    }

    /**
     * The monitor of {@code registrationId}. When the registry already holds a decorator of that name that no
     * monitor created (the application's own), the monitor reports nothing to it: reporting would run that
     * decorator's refresher.
     */
    static RegistrationMonitor of(TokenRefreshRegistry registry, String registrationId) {
        synchronized (CREATED) {
            TokenRefreshDecorator existing = registry.find(registrationId).orElse(null);
            if (existing == null) {
                RegistrationMonitor monitor = new RegistrationMonitor(registry, registrationId);
                CREATED.put(monitor.decorator, new WeakReference<>(monitor));
                for (Consumer<RegistrationMonitor> follower : FOLLOWERS.getOrDefault(registry, List.of())) {
                    tell(follower, monitor);
                }
                return monitor;
            }
            WeakReference<RegistrationMonitor> created = CREATED.get(existing);
            RegistrationMonitor ours = created == null ? null : created.get();
            if (ours != null) {
                return ours;
            }
            LOG.warning("the TokenRefreshRegistry already has a decorator named '" + registrationId + "' that is not"
                + " Spring Security's client registration of that name; its token requests are not reported to it");
            return new RegistrationMonitor(existing);
        }
    }

    /**
     * Calls {@code follower} with every monitor of {@code registry}, present and future (each decorator's
     * registration, for meters of Spring's path). The follower must not hold the registry.
     */
    static void follow(TokenRefreshRegistry registry, Consumer<RegistrationMonitor> follower) {
        synchronized (CREATED) {
            FOLLOWERS.computeIfAbsent(registry, r -> new ArrayList<>()).add(follower);
            for (Map.Entry<TokenRefreshDecorator, WeakReference<RegistrationMonitor>> created : CREATED.entrySet()) {
                RegistrationMonitor monitor = created.getValue().get();
                if (monitor != null && registry.find(created.getKey().getName()).orElse(null) == created.getKey()) {
                    tell(follower, monitor);
                }
            }
        }
    }

    private static void tell(Consumer<RegistrationMonitor> follower, RegistrationMonitor monitor) {
        try {
            follower.accept(monitor);
        } catch (RuntimeException e) {
            LOG.log(java.util.logging.Level.FINE, "a follower of the registration monitors failed", e);
        }
    }

    /** @return the client registration id */
    String name() {
        return decorator.getName();
    }

    TokenRefreshDecorator decorator() {
        return decorator;
    }

    /**
     * Called when a flight that started at {@code started} ended with {@code client} or {@code failure}; Spring's
     * provider refreshes a token {@code clockSkew} before its expiry.
     *
     * <p>The replayed placeholder expires when Spring will refresh the token (its expiry minus the clock skew, at
     * least a second ahead, as the decorator takes no token that has expired), so the decorator's
     * remaining-lifetime gauge shows the time until Spring's next token request. The replay's reason is the
     * decorator's own: {@code initial} for its first token, {@code expired} when the last placeholder has expired
     * (Spring refreshed because the token had), and {@code invalidated} otherwise, when the decorator is told to
     * drop a placeholder still valid: Spring made a token request although the last token was not due, because
     * its authorized client was removed (a rejection, {@code invalid_grant}) or belongs to another principal or
     * session.
     */
    void flightEnded(Instant started, OAuth2AuthorizedClient client, Throwable failure, Duration clockSkew) {
        if (!reporting) {
            return;
        }
        OAuth2AccessToken issued = client == null ? null : client.getAccessToken();
        boolean requested = issued != null && issued.getIssuedAt() != null && !issued.getIssuedAt().isBefore(started);
        if (failure != null || requested) {
            tokenRequests.increment();
            tokenRequestNanos.add(Math.max(0, Duration.between(started, Instant.now()).toNanos()));
        }
        if (failure == null) {
            if (!requested) {
                return; // the manager answered from its store: no token request to report
            }
            Instant expiresAt = issued.getExpiresAt();
            String placeholder = "oauth2-client:" + decorator.getName();
            latest = expiresAt == null ? AccessToken.of(placeholder)
                : AccessToken.of(placeholder, refreshedAt(expiresAt, clockSkew));
        } else {
            latest = failure;
        }
        if (!expired(decorator.currentToken())) {
            decorator.invalidate();
        }
        // Non-blocking (a reactive caller may be on an event loop); a refusal in cooldown is expected.
        decorator.executeCompletionStage(current -> CompletableFuture.completedFuture(null));
    }

    /** When Spring's provider will find a token expiring at {@code expiresAt} expired; a second ahead at least. */
    private Instant refreshedAt(Instant expiresAt, Duration clockSkew) {
        Instant due = expiresAt.minus(clockSkew);
        Instant soonest = decorator.getTokenRefreshConfig().getClock().instant().plusSeconds(1);
        return due.isBefore(soonest) ? soonest : due;
    }

    /** @return whether the decorator would refresh {@code placeholder} as expired: true for none at all */
    private boolean expired(AccessToken placeholder) {
        if (placeholder == null) {
            return true;
        }
        Instant expiresAt = placeholder.expiresAt().orElse(null);
        return expiresAt != null && !decorator.getTokenRefreshConfig().getClock().instant().isBefore(expiresAt);
    }

    private AccessToken replay(AccessToken current) throws Exception {
        Object outcome = latest;
        if (outcome instanceof AccessToken token) {
            return token;
        }
        if (outcome instanceof Exception e) {
            throw e;
        }
        throw new IllegalStateException("token request for client registration " + decorator.getName()
            + " failed: " + outcome);
    }
}
