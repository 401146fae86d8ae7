/**
 * Ready-made {@link io.github.tokenrefresh4j.TokenRefresher}s for an OAuth 2.0 token endpoint, built on the Nimbus
 * OAuth 2.0 SDK: {@link io.github.tokenrefresh4j.oauth2.OAuth2TokenRefresher} for the client-credentials,
 * refresh-token and JWT-bearer grants, and {@link io.github.tokenrefresh4j.oauth2.TokenEndpointException} for every
 * way a token request fails.
 *
 * <pre>{@code
 * TokenRefreshDecorator tokens = TokenRefreshDecorator.of("orders-api", TokenRefreshConfig.ofDefaults(),
 *     OAuth2TokenRefresher.clientCredentials(tokenEndpoint, "orders-client", clientSecret)
 *         .scope("orders.read")
 *         .build());
 * }</pre>
 */
package io.github.tokenrefresh4j.oauth2;
