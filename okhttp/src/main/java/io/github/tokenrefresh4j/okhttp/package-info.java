/**
 * OkHttp 5 adapters: {@link io.github.tokenrefresh4j.okhttp.BearerTokenInterceptor}, an application interceptor that
 * presents the decorator's token and retries once on {@code 401 invalid_token}, and
 * {@link io.github.tokenrefresh4j.okhttp.TokenRefreshAuthenticator}, the same through OkHttp's authenticator hook.
 *
 * <pre>{@code
 * OkHttpClient client = new OkHttpClient.Builder()
 *     .addInterceptor(new BearerTokenInterceptor(BearerTokenInterceptor.decorator("orders-api", refresher)))
 *     .build();
 * }</pre>
 */
package io.github.tokenrefresh4j.okhttp;
