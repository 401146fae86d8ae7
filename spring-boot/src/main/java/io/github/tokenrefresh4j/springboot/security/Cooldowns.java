package io.github.tokenrefresh4j.springboot.security;

import io.github.resilience4j.core.IntervalFunction;
import io.github.tokenrefresh4j.TokenRefreshException;
import org.springframework.security.oauth2.client.ClientAuthorizationException;
import org.springframework.security.oauth2.client.ClientAuthorizationRequiredException;
import org.springframework.security.oauth2.core.OAuth2AuthorizationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;

import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The failure cooldown of Spring's path, per flight key ({@link Flights.Key}: registration, principal, session and
 * what the call asks for), so one principal's failed grant never refuses another principal.
 *
 * <p>Which failures start it: a failed token request, that is an {@link OAuth2AuthorizationException} (Spring's
 * token clients wrap every 4xx, 5xx and I/O failure in one, {@code invalid_token_response} for a 5xx or an I/O
 * error) and a {@link TokenRefreshException} (a reactive token request cancelled after {@code refresh-timeout}).
 * Not {@code invalid_grant} nor {@code invalid_token}: Spring's failure handler removes the authorized client on
 * them, and the next call takes another path (a new {@code client_credentials} grant, or the login a
 * {@link ClientAuthorizationRequiredException} asks for), which a cooldown would block. Nor any other exception:
 * it is no answer of the token endpoint.
 *
 * <p>Only keys whose partition outlives a request keep a cooldown (a principal, a session): a request's own key
 * would be dropped with the request anyway, and must not be held. An entry goes on the next success of its key,
 * a failure that starts no cooldown, or when the map is full ({@value #MAX_KEYS} keys): then the entries whose
 * cooldown ended go first, then the soonest to end, down to nine tenths of the bound. An entry whose cooldown ended
 * stays until then, so that its consecutive failures count for the next cooldown.
 */
final class Cooldowns {

    /** The most keys that keep a cooldown at once. */
    static final int MAX_KEYS = 10_000;
    /** How many keys a full map keeps when it makes room. */
    private static final int AFTER_EVICTION = MAX_KEYS - MAX_KEYS / 10;

    /** Spring's {@code RemoveAuthorizedClientOAuth2AuthorizationFailureHandler} removes the client on these. */
    private static final Set<String> REMOVAL_CODES = Set.of(OAuth2ErrorCodes.INVALID_GRANT,
        OAuth2ErrorCodes.INVALID_TOKEN, "client_authorization_required");

    /** Marks the exceptions of calls refused in a cooldown, which are of the kind the failure was. */
    interface Refusal {
    }

    private record Entry(int failures, Instant end, Throwable failure) {
    }

    private final Map<Flights.Key, Entry> entries = new ConcurrentHashMap<>();

    /** @return whether a failed flight of {@code key} with {@code failure} starts a cooldown */
    static boolean startsCooldown(Flights.Key key, Throwable failure) {
        if (key.partition() != Partitions.BY_PRINCIPAL && !(key.partition() instanceof Partitions.SessionPartition)) {
            return false;
        }
        if (failure instanceof Refusal || failure instanceof ClientAuthorizationRequiredException) {
            return false;
        }
        if (failure instanceof OAuth2AuthorizationException oauth2) {
            return !REMOVAL_CODES.contains(oauth2.getError().getErrorCode());
        }
        return failure instanceof TokenRefreshException;
    }

    /** @return the exception for a call of {@code key} at {@code now}, in a cooldown; null when none is in force */
    RuntimeException refusal(Flights.Key key, Instant now) {
        if (entries.isEmpty()) {
            return null;
        }
        Entry entry = entries.get(key);
        if (entry == null || !now.isBefore(entry.end())) {
            return null;
        }
        return refusal(key.registrationId(), entry);
    }

    /** Records the outcome of a flight of {@code key} that ended at {@code now}. */
    void ended(Flights.Key key, Throwable failure, IntervalFunction cooldown, Instant now) {
        if (failure == null || !startsCooldown(key, failure)) {
            if (!entries.isEmpty()) {
                entries.remove(key);
            }
            return;
        }
        Entry previous = entries.get(key);
        int failures = previous == null ? 1 : previous.failures() + 1;
        long millis = cooldownMillis(cooldown, failures);
        if (millis <= 0) {
            entries.remove(key);
            return;
        }
        if (previous == null && entries.size() >= MAX_KEYS) {
            makeRoom(now);
        }
        entries.put(key, new Entry(failures, now.plusMillis(millis), failure));
    }

    /** @return how many keys keep a cooldown, ended or not */
    int size() {
        return entries.size();
    }

    /**
     * Drops the entries whose cooldown ended and, while more than {@link #AFTER_EVICTION} are left, the soonest to
     * end: one pass for a tenth of the bound, not a pass per failure while every cooldown is in force.
     */
    private void makeRoom(Instant now) {
        entries.values().removeIf(entry -> !now.isBefore(entry.end()));
        int excess = entries.size() - AFTER_EVICTION;
        if (excess > 0) {
            entries.entrySet().stream().sorted(Comparator.comparing(e -> e.getValue().end())).limit(excess).toList()
                .forEach(soonest -> entries.remove(soonest.getKey(), soonest.getValue()));
        }
    }

    private static long cooldownMillis(IntervalFunction cooldown, int failures) {
        try {
            Long millis = cooldown.apply(failures);
            return millis == null ? 0L : millis;
        } catch (RuntimeException e) {
            return 0L; // as the decorator: a cooldown function that throws means no cooldown
        }
    }

    private static RuntimeException refusal(String registrationId, Entry entry) {
        String message = "the last token request for client registration '" + registrationId + "' failed; no new "
            + "one before " + entry.end() + " (failure-cooldown of tokenrefresh4j.instances." + registrationId
            + ", failure " + entry.failures() + " in a row)";
        Throwable failure = entry.failure();
        if (failure instanceof ClientAuthorizationException client) {
            return new RefusedClientAuthorization(client.getError(), client.getClientRegistrationId(), message,
                client);
        }
        if (failure instanceof OAuth2AuthorizationException oauth2) {
            return new RefusedAuthorization(oauth2.getError(), message, oauth2);
        }
        return new RefusedTokenRefresh(message, failure);
    }

    /**
     * A refusal of the kind Spring's providers throw, with the failure's error, so code that handles Spring's
     * exception handles it the same. It never reaches the wrapped manager's failure handler, which ran for the failure.
     */
    static final class RefusedClientAuthorization extends ClientAuthorizationException implements Refusal {
        private static final long serialVersionUID = 1L;

        RefusedClientAuthorization(OAuth2Error error, String registrationId, String message, Throwable cause) {
            super(error, registrationId, message, cause);
        }
    }

    static final class RefusedAuthorization extends OAuth2AuthorizationException implements Refusal {
        private static final long serialVersionUID = 1L;

        RefusedAuthorization(OAuth2Error error, String message, Throwable cause) {
            super(error, message, cause);
        }
    }

    static final class RefusedTokenRefresh extends TokenRefreshException implements Refusal {
        private static final long serialVersionUID = 1L;

        RefusedTokenRefresh(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
