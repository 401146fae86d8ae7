/**
 * Spring Framework 7 adapters, without Spring Boot:
 * {@link io.github.tokenrefresh4j.spring.TokenRefreshClientHttpRequestInterceptor} for {@code RestClient} and
 * {@code RestTemplate}, and {@link io.github.tokenrefresh4j.spring.TokenRefreshExchangeFilterFunction} for
 * {@code WebClient} (which needs {@code tokenrefresh4j-reactor} and {@code spring-webflux} too).
 *
 * <pre>{@code
 * RestClient orders = RestClient.builder()
 *     .requestInterceptor(new TokenRefreshClientHttpRequestInterceptor(
 *         TokenRefreshClientHttpRequestInterceptor.decorator("orders-api", refresher)))
 *     .build();
 * }</pre>
 */
package io.github.tokenrefresh4j.spring;
