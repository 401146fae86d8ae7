package io.github.tokenrefresh4j.springboot.security;

import io.github.tokenrefresh4j.TokenRefreshRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.util.ClassUtils;

/**
 * Wraps every {@link OAuth2AuthorizedClientManager} bean in a {@link TokenRefreshOAuth2AuthorizedClientManager},
 * and, with Reactor present, every {@link ReactiveOAuth2AuthorizedClientManager} bean in a
 * {@link ReactiveTokenRefreshOAuth2AuthorizedClientManager}, so that whoever injects the manager (Spring Security's
 * RestClient interceptor and WebClient filter functions included) gets single-flight token requests.
 */
final class AuthorizedClientManagerPostProcessor implements BeanPostProcessor {

    private static final boolean REACTOR_PRESENT = ClassUtils.isPresent("reactor.core.publisher.Mono",
        AuthorizedClientManagerPostProcessor.class.getClassLoader());

    private final ObjectProvider<TokenRefreshRegistry> registry;

    AuthorizedClientManagerPostProcessor(ObjectProvider<TokenRefreshRegistry> registry) {
        this.registry = registry;
    }

    /** The registry bean, or, when the application excluded it, a registry of default settings. */
    private TokenRefreshRegistry registry() {
        return registry.getIfAvailable(TokenRefreshRegistry::ofDefaults);
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof OAuth2AuthorizedClientManager manager
            && !(bean instanceof TokenRefreshOAuth2AuthorizedClientManager)) {
            return new TokenRefreshOAuth2AuthorizedClientManager(manager, registry());
        }
        if (REACTOR_PRESENT && bean instanceof ReactiveOAuth2AuthorizedClientManager manager
            && !(bean instanceof ReactiveTokenRefreshOAuth2AuthorizedClientManager)) {
            return new ReactiveTokenRefreshOAuth2AuthorizedClientManager(manager, registry());
        }
        return bean;
    }
}
