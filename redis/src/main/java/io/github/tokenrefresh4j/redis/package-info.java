/**
 * Fleet coordination on Redis: {@link io.github.tokenrefresh4j.redis.RedisTokenRefresher} wraps a
 * {@link io.github.tokenrefresh4j.TokenRefresher} so that the instances of a fleet share one token and make one
 * refresh per expiry between them, on a single Redis, through Sentinel, or on a Redis Cluster (through a URI, your
 * {@code RedisClient} or your {@code RedisClusterClient}). The protocol is written down in the package
 * {@code io.github.tokenrefresh4j.redis.internal}.
 */
package io.github.tokenrefresh4j.redis;
