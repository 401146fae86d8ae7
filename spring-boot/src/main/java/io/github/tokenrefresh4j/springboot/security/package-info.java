/**
 * Coalesced token requests for Spring Security's OAuth2 client: {@link
 * io.github.tokenrefresh4j.springboot.security.TokenRefreshOAuth2AuthorizedClientManager} and {@link
 * io.github.tokenrefresh4j.springboot.security.ReactiveTokenRefreshOAuth2AuthorizedClientManager} wrap a manager so
 * that concurrent calls for one client registration and principal share one token request. The starter applies
 * them to every manager bean.
 */
package io.github.tokenrefresh4j.springboot.security;
