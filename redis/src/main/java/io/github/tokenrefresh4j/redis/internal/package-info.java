/**
 * Implementation details of the Redis module: the stored form of a token and the wake-up signal. Not an API.
 */
package io.github.tokenrefresh4j.redis.internal;
