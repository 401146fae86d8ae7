/** Micrometer metrics for {@link io.github.tokenrefresh4j.TokenRefreshDecorator}s. */
package io.github.tokenrefresh4j.micrometer;
