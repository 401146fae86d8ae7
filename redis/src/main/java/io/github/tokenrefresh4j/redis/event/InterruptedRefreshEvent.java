package io.github.tokenrefresh4j.redis.event;

import io.github.tokenrefresh4j.redis.InterruptedRefreshPolicy;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Objects;

/**
 * An instance took the fleet's lock and found that the previous holder had started presenting the same refresh token
 * to the token endpoint and stopped (killed, crashed, cut off from Redis) before storing the result. That refresh
 * token may already have been spent: a server with rotating refresh tokens and no reuse grace period refuses it and
 * may revoke the grant. The event says who stopped, how long ago, and what this instance did about it
 * ({@link InterruptedRefreshPolicy}). It never carries a token value.
 *
 * <pre>{@code
 * fleet.getEventPublisher().onInterruptedRefresh(event ->
 *     alerts.raise("refresh of " + event.getKey() + " interrupted on " + event.getStoppedInstance()));
 * }</pre>
 */
public final class InterruptedRefreshEvent {

    private final String key;
    private final String stoppedInstance;
    private final Duration startedAgo;
    private final long generation;
    private final InterruptedRefreshPolicy.Action action;
    private final ZonedDateTime creationTime;

    /**
     * @param key             the shared credential's key
     * @param stoppedInstance the instance that stopped during its refresh ({@code pid@host})
     * @param startedAgo      how long ago it started that refresh, by Redis's clock
     * @param generation      the generation whose refresh token it presented
     * @param action          what this instance did about it
     */
    public InterruptedRefreshEvent(String key, String stoppedInstance, Duration startedAgo, long generation,
                                   InterruptedRefreshPolicy.Action action) {
        this(key, stoppedInstance, startedAgo, generation, action, ZonedDateTime.now());
    }

    /**
     * An event created at {@code creationTime}: the refresher passes the time of its own clock.
     *
     * @param key             the shared credential's key
     * @param stoppedInstance the instance that stopped during its refresh ({@code pid@host})
     * @param startedAgo      how long ago it started that refresh, by Redis's clock
     * @param generation      the generation whose refresh token it presented
     * @param action          what this instance did about it
     * @param creationTime    when the takeover happened
     */
    public InterruptedRefreshEvent(String key, String stoppedInstance, Duration startedAgo, long generation,
                                   InterruptedRefreshPolicy.Action action, ZonedDateTime creationTime) {
        this.creationTime = Objects.requireNonNull(creationTime, "creationTime must not be null");
        this.key = Objects.requireNonNull(key, "key must not be null");
        this.stoppedInstance = Objects.requireNonNull(stoppedInstance, "stoppedInstance must not be null");
        this.startedAgo = Objects.requireNonNull(startedAgo, "startedAgo must not be null");
        this.generation = generation;
        this.action = Objects.requireNonNull(action, "action must not be null");
    }

    /** @return the shared credential's key */
    public String getKey() {
        return key;
    }

    /** @return the instance that stopped during its refresh, as {@code pid@host} */
    public String getStoppedInstance() {
        return stoppedInstance;
    }

    /** @return how long before this takeover the stopped instance started its refresh, by Redis's clock */
    public Duration getStartedAgo() {
        return startedAgo;
    }

    /** @return the generation of the shared token whose refresh token both instances present (or would) */
    public long getGeneration() {
        return generation;
    }

    /** @return what this instance did: presented the same refresh token, refused, or used the fallback */
    public InterruptedRefreshPolicy.Action getAction() {
        return action;
    }

    /** @return when the takeover happened */
    public ZonedDateTime getCreationTime() {
        return creationTime;
    }

    @Override
    public String toString() {
        return "InterruptedRefreshEvent{key='" + key + "', stoppedInstance='" + stoppedInstance + "', startedAgo="
            + startedAgo + ", generation=" + generation + ", action=" + action + '}';
    }
}
