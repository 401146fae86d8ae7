/**
 * Fleet coordination on Redis: {@link io.github.tokenrefresh4j.redis.RedisTokenRefresher} wraps a
 * {@link io.github.tokenrefresh4j.TokenRefresher} so that the instances of a fleet share one token and make one
 * refresh per expiry between them.
 */
package io.github.tokenrefresh4j.redis;
