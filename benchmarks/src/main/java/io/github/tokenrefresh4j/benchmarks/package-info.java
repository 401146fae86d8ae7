/**
 * Benchmarks of tokenrefresh4j beside the token caches users would otherwise reach for: Google's
 * {@code OAuth2Credentials}, the AWS SDK's {@code CachedSupplier}, a Resilience4j {@code Retry} and a naive
 * {@code synchronized} holder. {@link io.github.tokenrefresh4j.benchmarks.RunAll} runs the whole set; see
 * BENCHMARKS.md at the repository root for the command and the figures.
 */
package io.github.tokenrefresh4j.benchmarks;
