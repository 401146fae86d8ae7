/**
 * Fleet coordination on Redis: {@link io.github.tokenrefresh4j.redis.RedisTokenRefresher} wraps a
 * {@link io.github.tokenrefresh4j.TokenRefresher} so that the instances of a fleet share one token and make one
 * refresh per expiry between them, on a single Redis, through Sentinel, or on a Redis Cluster (through a URI, your
 * {@code RedisClient} or your {@code RedisClusterClient}). The fleet never goes backwards: an instance that sees an
 * older generation in Redis than it has seen writes the newer token back before anyone refreshes from the old one.
 * A takeover of a refresh whose holder stopped is announced (a WARN and an
 * {@link io.github.tokenrefresh4j.redis.event.InterruptedRefreshEvent}) and handled by an
 * {@link io.github.tokenrefresh4j.redis.InterruptedRefreshPolicy}. The protocol is written down in the package
 * {@code io.github.tokenrefresh4j.redis.internal}.
 */
package io.github.tokenrefresh4j.redis;
