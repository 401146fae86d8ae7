/**
 * gRPC adapters: {@link io.github.tokenrefresh4j.grpc.TokenRefreshCallCredentials}, call credentials that attach the
 * decorator's bearer token without blocking the transport, and
 * {@link io.github.tokenrefresh4j.grpc.TokenRefreshClientInterceptor}, which also retries a unary call answered
 * {@code UNAUTHENTICATED} once with the refreshed token.
 *
 * <pre>{@code
 * ManagedChannel channel = ManagedChannelBuilder.forTarget("orders.example.com:443")
 *     .intercept(new TokenRefreshClientInterceptor(TokenRefreshClientInterceptor.decorator("orders-api", refresher)))
 *     .build();
 * }</pre>
 */
package io.github.tokenrefresh4j.grpc;
