package io.github.tokenrefresh4j.springboot.security;

import org.springframework.security.oauth2.client.AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.util.ClassUtils;
import reactor.core.publisher.Mono;
import reactor.util.context.ContextView;

import static io.github.tokenrefresh4j.springboot.security.Partitions.WEB;

/** {@link Partitions} for the reactive manager: the partition is computed on subscription, from its context. */
final class ReactivePartitions {

    private static final boolean WEBFLUX_PRESENT = ClassUtils.isPresent(
        "org.springframework.web.server.ServerWebExchange", ReactivePartitions.class.getClassLoader());

    private ReactivePartitions() {
    }

    /** The partition of a reactive call, computed on subscription. */
    @FunctionalInterface
    interface ReactivePartitioner {
        Mono<Object> partition(OAuth2AuthorizeRequest request, ContextView context);
    }

    /** @return how the subscriptions of the reactive {@code delegate} are partitioned, given their context */
    static ReactivePartitioner of(ReactiveOAuth2AuthorizedClientManager delegate) {
        if (delegate instanceof AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager) {
            return (request, context) -> Mono.just(Partitions.BY_PRINCIPAL);
        }
        if (!WEBFLUX_PRESENT) {
            return (request, context) -> Mono.fromSupplier(Object::new);
        }
        boolean sessionBacked = Partitions.isSpringsManager(delegate, WEB + "DefaultReactiveOAuth2AuthorizedClientManager",
            WEB + "server.WebSessionServerOAuth2AuthorizedClientRepository",
            WEB + "server.AuthenticatedPrincipalServerOAuth2AuthorizedClientRepository");
        return sessionBacked ? WebFlux::session : WebFlux::exchange;
    }

    /** The WebFlux side, as {@code DefaultReactiveOAuth2AuthorizedClientManager} finds the exchange. */
    private static final class WebFlux {

        static Mono<Object> session(OAuth2AuthorizeRequest authorizeRequest, ContextView context) {
            org.springframework.web.server.ServerWebExchange exchange = find(authorizeRequest, context);
            if (exchange == null) {
                return Mono.fromSupplier(Object::new);
            }
            String scope = exchange.getRequest().getQueryParams()
                .getFirst(org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames.SCOPE);
            // a session not started is never saved, so its id never comes back: the exchange is the partition
            return exchange.getSession()
                .<Object>map(session -> session.isStarted()
                    ? new Partitions.SessionPartition(session.getId(), scope) : exchange)
                .defaultIfEmpty(exchange);
        }

        static Mono<Object> exchange(OAuth2AuthorizeRequest authorizeRequest, ContextView context) {
            Object exchange = find(authorizeRequest, context);
            return exchange == null ? Mono.fromSupplier(Object::new) : Mono.just(exchange);
        }

        private static org.springframework.web.server.ServerWebExchange find(OAuth2AuthorizeRequest request,
                                                                             ContextView context) {
            Object given = request.getAttributes()
                .get(org.springframework.web.server.ServerWebExchange.class.getName());
            if (given instanceof org.springframework.web.server.ServerWebExchange exchange) {
                return exchange;
            }
            return context.getOrDefault(org.springframework.web.server.ServerWebExchange.class, null);
        }
    }

}
