/**
 * OpenFeign adapter: {@link io.github.tokenrefresh4j.feign.TokenRefreshCapability}, a capability whose client
 * presents the decorator's token and sends a request again once on {@code 401 invalid_token}, below Feign's
 * {@code Retryer}.
 *
 * <pre>{@code
 * Orders orders = Feign.builder()
 *     .addCapability(new TokenRefreshCapability(TokenRefreshCapability.decorator("orders-api", refresher)))
 *     .target(Orders.class, "https://orders.example.com");
 * }</pre>
 */
package io.github.tokenrefresh4j.feign;
