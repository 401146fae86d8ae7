/**
 * Apache HttpClient 5 adapters: {@link io.github.tokenrefresh4j.httpclient5.TokenRefreshExecChainHandler} for the
 * classic client and {@link io.github.tokenrefresh4j.httpclient5.TokenRefreshAsyncExecChainHandler} for the async
 * one, exec-chain handlers that present the decorator's token and send a request again once on
 * {@code 401 invalid_token}.
 *
 * <pre>{@code
 * CloseableHttpClient client = HttpClients.custom()
 *     .addExecInterceptorFirst(TokenRefreshExecChainHandler.NAME, new TokenRefreshExecChainHandler(
 *         TokenRefreshExecChainHandler.decorator("orders-api", refresher)))
 *     .build();
 * }</pre>
 */
package io.github.tokenrefresh4j.httpclient5;
