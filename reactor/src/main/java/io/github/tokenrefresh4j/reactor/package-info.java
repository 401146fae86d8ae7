/**
 * Project Reactor adapter: {@link io.github.tokenrefresh4j.reactor.TokenRefreshOperator} runs a {@code Mono} or
 * {@code Flux} call through a {@link io.github.tokenrefresh4j.TokenRefreshDecorator}, waiting for a refresh without
 * holding a thread.
 *
 * <pre>{@code
 * Mono<String> orders = TokenRefreshOperator.mono(tokens, token -> webClient.get().uri("/orders")
 *     .headers(h -> h.setBearerAuth(token.value()))
 *     .retrieve()
 *     .bodyToMono(String.class));
 * }</pre>
 */
package io.github.tokenrefresh4j.reactor;
