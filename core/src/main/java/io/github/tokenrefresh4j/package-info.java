/**
 * Coalesced, bounded access-token refresh as a Resilience4j-style decorator. Start at
 * {@link io.github.tokenrefresh4j.TokenRefreshDecorator}.
 */
package io.github.tokenrefresh4j;
