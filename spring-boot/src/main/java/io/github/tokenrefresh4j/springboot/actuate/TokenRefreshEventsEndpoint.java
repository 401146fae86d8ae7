package io.github.tokenrefresh4j.springboot.actuate;

import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.event.RefreshRefusedEvent;
import io.github.tokenrefresh4j.event.TokenRefreshEvent;
import io.github.tokenrefresh4j.event.TokenRefreshFailedEvent;
import io.github.tokenrefresh4j.event.TokenRefreshSucceededEvent;
import io.github.tokenrefresh4j.event.TokenRejectedEvent;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The actuator endpoint {@code tokenrefreshevents}, like resilience4j's {@code circuitbreakerevents}: the last
 * {@value #EVENTS_PER_DECORATOR} events of each decorator (refreshes, failures, rejections, refusals in cooldown,
 * coalesced calls), oldest first. {@code GET /actuator/tokenrefreshevents} lists every decorator's,
 * {@code GET /actuator/tokenrefreshevents/{name}} one decorator's. Expose it with
 * {@code management.endpoints.web.exposure.include=tokenrefreshevents}. It shows no token value and no exception
 * message (a refresher's message may carry a secret): a failure shows its exception's class name only.
 */
@Endpoint(id = "tokenrefreshevents")
public class TokenRefreshEventsEndpoint {

    /** How many events are kept per decorator. */
    public static final int EVENTS_PER_DECORATOR = 100;

    private final Map<String, Deque<TokenRefreshEventDescriptor>> events = new ConcurrentHashMap<>();

    /** @param tokenRefreshRegistry whose decorators, present and future, are followed */
    public TokenRefreshEventsEndpoint(TokenRefreshRegistry tokenRefreshRegistry) {
        Objects.requireNonNull(tokenRefreshRegistry, "tokenRefreshRegistry must not be null");
        tokenRefreshRegistry.getEventPublisher().onEntryAdded(added -> follow(added.getAddedEntry()));
        tokenRefreshRegistry.getAllTokenRefreshes().forEach(this::follow);
    }

    private void follow(TokenRefreshDecorator decorator) {
        Deque<TokenRefreshEventDescriptor> kept = new ArrayDeque<>();
        if (events.putIfAbsent(decorator.getName(), kept) == null) {
            decorator.getEventPublisher().onEvent(event -> keep(kept, TokenRefreshEventDescriptor.of(event)));
        }
    }

    private static void keep(Deque<TokenRefreshEventDescriptor> kept, TokenRefreshEventDescriptor event) {
        synchronized (kept) {
            if (kept.size() == EVENTS_PER_DECORATOR) {
                kept.removeFirst();
            }
            kept.addLast(event);
        }
    }

    /** @return every decorator's kept events, oldest first */
    @ReadOperation
    public TokenRefreshEventsDescriptor tokenRefreshEvents() {
        List<TokenRefreshEventDescriptor> all = new ArrayList<>();
        events.values().forEach(kept -> all.addAll(snapshot(kept)));
        all.sort(Comparator.comparing(TokenRefreshEventDescriptor::creationTime));
        return new TokenRefreshEventsDescriptor(all);
    }

    /** @return the kept events of decorator {@code name}, or null (404) when there is no decorator of that name */
    @ReadOperation
    public TokenRefreshEventsDescriptor tokenRefreshEvents(@Selector String name) {
        Deque<TokenRefreshEventDescriptor> kept = events.get(name);
        return kept == null ? null : new TokenRefreshEventsDescriptor(snapshot(kept));
    }

    private static List<TokenRefreshEventDescriptor> snapshot(Deque<TokenRefreshEventDescriptor> kept) {
        synchronized (kept) {
            return List.copyOf(kept);
        }
    }

    /**
     * The events the endpoint answers.
     *
     * @param tokenRefreshEvents the events, oldest first
     */
    public record TokenRefreshEventsDescriptor(List<TokenRefreshEventDescriptor> tokenRefreshEvents) {
    }

    /**
     * One event, without token value or exception message.
     *
     * @param name             the decorator's name
     * @param type             the event's type
     * @param creationTime     when it happened
     * @param reason           why the refresh ran (refreshes only), else null
     * @param durationMillis   how long the refresh took (refreshes only), else null
     * @param errorType        the class name of the failure (failed refreshes only), else null
     * @param cooldownMillis   the cooldown a failure started, or that was left when a call was refused, else null
     * @param staleRejection   for a rejection: whether the rejected token had already been replaced, else null
     */
    public record TokenRefreshEventDescriptor(String name, TokenRefreshEvent.Type type, ZonedDateTime creationTime,
                                              String reason, Long durationMillis, String errorType,
                                              Long cooldownMillis, Boolean staleRejection) {

        static TokenRefreshEventDescriptor of(TokenRefreshEvent event) {
            String reason = null;
            Long duration = null;
            String errorType = null;
            Long cooldown = null;
            Boolean stale = null;
            if (event instanceof TokenRefreshSucceededEvent succeeded) {
                reason = String.valueOf(succeeded.getReason());
                duration = succeeded.getElapsedDuration().toMillis();
            } else if (event instanceof TokenRefreshFailedEvent failed) {
                reason = String.valueOf(failed.getReason());
                duration = failed.getElapsedDuration().toMillis();
                errorType = failed.getThrowable() == null ? null : failed.getThrowable().getClass().getName();
                cooldown = failed.getCooldown().toMillis();
            } else if (event instanceof RefreshRefusedEvent refused) {
                cooldown = refused.getRemainingCooldown().toMillis();
            } else if (event instanceof TokenRejectedEvent rejected) {
                stale = rejected.isStale();
            }
            return new TokenRefreshEventDescriptor(event.getName(), event.getEventType(), event.getCreationTime(),
                reason, duration, errorType, cooldown, stale);
        }
    }
}
