package io.github.tokenrefresh4j.springboot.security.upstream;

import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.springboot.security.ReactiveTokenRefreshOAuth2AuthorizedClientManager;
import io.github.tokenrefresh4j.springboot.security.TokenRefreshOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.AuthorizedClientServiceOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizationFailureHandler;
import org.springframework.security.oauth2.client.OAuth2AuthorizationSuccessHandler;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientProvider;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizationFailureHandler;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizationSuccessHandler;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientProvider;
import org.springframework.security.oauth2.client.web.DefaultOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.web.DefaultReactiveOAuth2AuthorizedClientManager;
import reactor.core.publisher.Mono;

import java.util.Map;
import java.util.function.Function;

/**
 * The managers under test in Spring Security's tests: Spring's manager, wrapped as the starter wraps it
 * ({@code AuthorizedClientManagerPostProcessor}: the public constructor, a registry of default settings). The test
 * configures Spring's manager through the setters, as it did before, and every {@code authorize} goes through the
 * wrapper: the wrapper must answer as Spring's manager does.
 */
final class WrappedManagers {

    private WrappedManagers() {
    }

    /** {@link AuthorizedClientServiceOAuth2AuthorizedClientManager}, wrapped. */
    static final class AuthorizedClientService implements OAuth2AuthorizedClientManager {
        private final AuthorizedClientServiceOAuth2AuthorizedClientManager spring;
        private final OAuth2AuthorizedClientManager wrapper;

        AuthorizedClientService(AuthorizedClientServiceOAuth2AuthorizedClientManager spring) {
            this.spring = spring;
            this.wrapper = new TokenRefreshOAuth2AuthorizedClientManager(spring, TokenRefreshRegistry.ofDefaults());
        }

        @Override
        public OAuth2AuthorizedClient authorize(OAuth2AuthorizeRequest authorizeRequest) {
            return wrapper.authorize(authorizeRequest);
        }

        void setAuthorizedClientProvider(OAuth2AuthorizedClientProvider provider) {
            spring.setAuthorizedClientProvider(provider);
        }

        void setContextAttributesMapper(Function<OAuth2AuthorizeRequest, Map<String, Object>> mapper) {
            spring.setContextAttributesMapper(mapper);
        }

        void setAuthorizationSuccessHandler(OAuth2AuthorizationSuccessHandler handler) {
            spring.setAuthorizationSuccessHandler(handler);
        }

        void setAuthorizationFailureHandler(OAuth2AuthorizationFailureHandler handler) {
            spring.setAuthorizationFailureHandler(handler);
        }
    }

    /** {@link DefaultOAuth2AuthorizedClientManager}, wrapped. */
    static final class Default implements OAuth2AuthorizedClientManager {
        private final DefaultOAuth2AuthorizedClientManager spring;
        private final OAuth2AuthorizedClientManager wrapper;

        Default(DefaultOAuth2AuthorizedClientManager spring) {
            this.spring = spring;
            this.wrapper = new TokenRefreshOAuth2AuthorizedClientManager(spring, TokenRefreshRegistry.ofDefaults());
        }

        @Override
        public OAuth2AuthorizedClient authorize(OAuth2AuthorizeRequest authorizeRequest) {
            return wrapper.authorize(authorizeRequest);
        }

        void setAuthorizedClientProvider(OAuth2AuthorizedClientProvider provider) {
            spring.setAuthorizedClientProvider(provider);
        }

        void setContextAttributesMapper(Function<OAuth2AuthorizeRequest, Map<String, Object>> mapper) {
            spring.setContextAttributesMapper(mapper);
        }

        void setAuthorizationSuccessHandler(OAuth2AuthorizationSuccessHandler handler) {
            spring.setAuthorizationSuccessHandler(handler);
        }

        void setAuthorizationFailureHandler(OAuth2AuthorizationFailureHandler handler) {
            spring.setAuthorizationFailureHandler(handler);
        }
    }

    /** {@link AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager}, wrapped. */
    static final class AuthorizedClientServiceReactive implements ReactiveOAuth2AuthorizedClientManager {
        private final AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager spring;
        private final ReactiveOAuth2AuthorizedClientManager wrapper;

        AuthorizedClientServiceReactive(AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager spring) {
            this.spring = spring;
            this.wrapper = new ReactiveTokenRefreshOAuth2AuthorizedClientManager(spring,
                TokenRefreshRegistry.ofDefaults());
        }

        @Override
        public Mono<OAuth2AuthorizedClient> authorize(OAuth2AuthorizeRequest authorizeRequest) {
            return wrapper.authorize(authorizeRequest);
        }

        void setAuthorizedClientProvider(ReactiveOAuth2AuthorizedClientProvider provider) {
            spring.setAuthorizedClientProvider(provider);
        }

        void setContextAttributesMapper(Function<OAuth2AuthorizeRequest, Mono<Map<String, Object>>> mapper) {
            spring.setContextAttributesMapper(mapper);
        }

        void setAuthorizationSuccessHandler(ReactiveOAuth2AuthorizationSuccessHandler handler) {
            spring.setAuthorizationSuccessHandler(handler);
        }

        void setAuthorizationFailureHandler(ReactiveOAuth2AuthorizationFailureHandler handler) {
            spring.setAuthorizationFailureHandler(handler);
        }
    }

    /** {@link DefaultReactiveOAuth2AuthorizedClientManager}, wrapped. */
    static final class DefaultReactive implements ReactiveOAuth2AuthorizedClientManager {
        private final DefaultReactiveOAuth2AuthorizedClientManager spring;
        private final ReactiveOAuth2AuthorizedClientManager wrapper;

        DefaultReactive(DefaultReactiveOAuth2AuthorizedClientManager spring) {
            this.spring = spring;
            this.wrapper = new ReactiveTokenRefreshOAuth2AuthorizedClientManager(spring,
                TokenRefreshRegistry.ofDefaults());
        }

        @Override
        public Mono<OAuth2AuthorizedClient> authorize(OAuth2AuthorizeRequest authorizeRequest) {
            return wrapper.authorize(authorizeRequest);
        }

        void setAuthorizedClientProvider(ReactiveOAuth2AuthorizedClientProvider provider) {
            spring.setAuthorizedClientProvider(provider);
        }

        void setContextAttributesMapper(Function<OAuth2AuthorizeRequest, Mono<Map<String, Object>>> mapper) {
            spring.setContextAttributesMapper(mapper);
        }

        void setAuthorizationSuccessHandler(ReactiveOAuth2AuthorizationSuccessHandler handler) {
            spring.setAuthorizationSuccessHandler(handler);
        }

        void setAuthorizationFailureHandler(ReactiveOAuth2AuthorizationFailureHandler handler) {
            spring.setAuthorizationFailureHandler(handler);
        }
    }
}
