package io.github.tokenrefresh4j.springboot.security;

import org.springframework.security.oauth2.client.AuthorizedClientServiceOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

import java.lang.reflect.Field;
import java.util.function.Function;

/**
 * Which calls may share one call to the wrapped manager: only those for which Spring's manager would load and save
 * the same authorized client. The answer is a partition, one component of {@link Flights.Key}:
 *
 * <ul>
 *   <li>{@link #BY_PRINCIPAL} for Spring's {@code AuthorizedClientService*Manager}: it loads and saves through the
 *       {@code OAuth2AuthorizedClientService} by registration id and principal name, both already in the key;</li>
 *   <li>the session (its id and the request's {@code scope} parameter, which Spring's default context-attributes
 *       mapper reads) for Spring's {@code Default*OAuth2AuthorizedClientManager} whose repository is Spring's
 *       session-backed one ({@code HttpSession*}/{@code WebSession*}, directly or as the anonymous repository of
 *       {@code AuthenticatedPrincipal*}) and whose context-attributes mapper is Spring's default. A request with no
 *       session yet (in WebFlux: a session not started, which is never saved) is its own partition (Spring would
 *       create a session for it);</li>
 *   <li>the request (or exchange) itself for any other manager, repository or mapper, which the starter cannot
 *       reason about: calls are never shared across requests, and a call outside any request shares with none.</li>
 * </ul>
 *
 * Servlet types are touched only in the nested holder, loaded only when the delegate needs it; the reactive side is
 * {@link ReactivePartitions}, so that neither Reactor nor WebFlux is needed here.
 */
final class Partitions {

    /** The partition of calls keyed by registration id and principal name alone. */
    static final Object BY_PRINCIPAL = "principal";

    static final String WEB = "org.springframework.security.oauth2.client.web.";
    private static final boolean SERVLET_PRESENT = ClassUtils.isPresent("jakarta.servlet.http.HttpServletRequest",
        Partitions.class.getClassLoader());

    private Partitions() {
    }

    /** @return how the calls of the imperative {@code delegate} are partitioned */
    static Function<OAuth2AuthorizeRequest, Object> of(OAuth2AuthorizedClientManager delegate) {
        if (delegate instanceof AuthorizedClientServiceOAuth2AuthorizedClientManager) {
            return request -> BY_PRINCIPAL;
        }
        if (!SERVLET_PRESENT) {
            return request -> new Object();
        }
        boolean sessionBacked = isSpringsManager(delegate, WEB + "DefaultOAuth2AuthorizedClientManager",
            WEB + "HttpSessionOAuth2AuthorizedClientRepository",
            WEB + "AuthenticatedPrincipalOAuth2AuthorizedClientRepository");
        return sessionBacked ? Servlet::session : Servlet::request;
    }

    /**
     * Whether {@code manager} is Spring's request-bound manager {@code managerClass} with Spring's default
     * context-attributes mapper and a session-backed repository: {@code sessionRepository}, or
     * {@code principalRepository} whose repository for anonymous principals is {@code sessionRepository} (for the
     * others it uses the authorized-client service, by principal name). Read once, by reflection on Spring's
     * private fields; anything unexpected answers false, which only stops sharing across requests.
     */
    static boolean isSpringsManager(Object manager, String managerClass, String sessionRepository,
                                    String principalRepository) {
        try {
            if (!manager.getClass().getName().equals(managerClass)) {
                return false;
            }
            Object mapper = field(manager, "contextAttributesMapper");
            if (mapper == null
                || !mapper.getClass().getName().equals(managerClass + "$DefaultContextAttributesMapper")) {
                return false;
            }
            Object repository = field(manager, "authorizedClientRepository");
            if (repository != null && repository.getClass().getName().equals(principalRepository)) {
                repository = field(repository, "anonymousAuthorizedClientRepository");
            }
            return repository != null && repository.getClass().getName().equals(sessionRepository);
        } catch (RuntimeException e) {
            return false;
        }
    }

    static Object field(Object target, String name) {
        Field field = ReflectionUtils.findField(target.getClass(), name);
        if (field == null) {
            return null;
        }
        ReflectionUtils.makeAccessible(field);
        return ReflectionUtils.getField(field, target);
    }

    /** The servlet side, as {@code DefaultOAuth2AuthorizedClientManager} finds the request. */
    private static final class Servlet {

        static Object session(OAuth2AuthorizeRequest authorizeRequest) {
            jakarta.servlet.http.HttpServletRequest request = request(authorizeRequest.getAttributes());
            if (request == null) {
                return new Object();
            }
            jakarta.servlet.http.HttpSession session = request.getSession(false);
            return session == null ? request : new SessionPartition(session.getId(),
                request.getParameter(org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames.SCOPE));
        }

        static Object request(OAuth2AuthorizeRequest authorizeRequest) {
            Object request = request(authorizeRequest.getAttributes());
            return request == null ? new Object() : request;
        }

        private static jakarta.servlet.http.HttpServletRequest request(java.util.Map<String, Object> attributes) {
            Object given = attributes.get(jakarta.servlet.http.HttpServletRequest.class.getName());
            if (given instanceof jakarta.servlet.http.HttpServletRequest request) {
                return request;
            }
            return org.springframework.web.context.request.RequestContextHolder.getRequestAttributes()
                instanceof org.springframework.web.context.request.ServletRequestAttributes current
                ? current.getRequest() : null;
        }
    }

    /** One session and the {@code scope} parameter of the request; the id never leaves the flight map. */
    record SessionPartition(String sessionId, String scope) {
        @Override
        public String toString() {
            return "SessionPartition";
        }
    }
}
