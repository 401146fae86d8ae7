/**
 * Events of {@link io.github.tokenrefresh4j.redis.RedisTokenRefresher}, consumed through
 * {@link io.github.tokenrefresh4j.redis.RedisTokenRefresher#getEventPublisher()}.
 */
package io.github.tokenrefresh4j.redis.event;
