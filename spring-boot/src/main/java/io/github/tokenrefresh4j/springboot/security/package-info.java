/**
 * Coalesced token requests for Spring Security's OAuth2 client: {@link
 * io.github.tokenrefresh4j.springboot.security.TokenRefreshOAuth2AuthorizedClientManager} and {@link
 * io.github.tokenrefresh4j.springboot.security.ReactiveTokenRefreshOAuth2AuthorizedClientManager} wrap a manager so
 * that concurrent calls share one token request when Spring's manager would load and save the same authorized
 * client for all of them (same registration and principal, and for session-backed managers the same session; see
 * {@link io.github.tokenrefresh4j.springboot.security.TokenRefreshOAuth2AuthorizedClientManager}). The starter
 * applies them to every manager bean declared as the manager interface.
 */
package io.github.tokenrefresh4j.springboot.security;
