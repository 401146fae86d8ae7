/** Adapters for vavr's {@code Try}. vavr is an optional dependency of the core. */
package io.github.tokenrefresh4j.vavr;
