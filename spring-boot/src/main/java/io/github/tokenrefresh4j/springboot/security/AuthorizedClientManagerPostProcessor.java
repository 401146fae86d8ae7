package io.github.tokenrefresh4j.springboot.security;

import io.github.tokenrefresh4j.TokenRefreshRegistry;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.util.ClassUtils;

import java.lang.reflect.Method;
import java.util.logging.Logger;

/**
 * Wraps every {@link OAuth2AuthorizedClientManager} bean in a {@link TokenRefreshOAuth2AuthorizedClientManager},
 * and, with Reactor present, every {@link ReactiveOAuth2AuthorizedClientManager} bean in a
 * {@link ReactiveTokenRefreshOAuth2AuthorizedClientManager}, so that whoever injects the manager (Spring Security's
 * RestClient interceptor and WebClient filter functions included) gets single-flight token requests.
 *
 * <p>A bean whose definition declares a type the wrapper is not (a {@code @Bean} method returning
 * {@code DefaultOAuth2AuthorizedClientManager}, a {@code @Component} class) is left as it is, with a WARN line
 * saying how to have it wrapped: it may be injected by that type, and adding the starter must never break a
 * working application.
 */
final class AuthorizedClientManagerPostProcessor implements BeanPostProcessor, BeanFactoryAware {

    private static final Logger LOG = Logger.getLogger(AuthorizedClientManagerPostProcessor.class.getName());
    private static final boolean REACTOR_PRESENT = ClassUtils.isPresent("reactor.core.publisher.Mono",
        AuthorizedClientManagerPostProcessor.class.getClassLoader());

    private final ObjectProvider<TokenRefreshRegistry> registry;
    private ConfigurableListableBeanFactory beanFactory;

    AuthorizedClientManagerPostProcessor(ObjectProvider<TokenRefreshRegistry> registry) {
        this.registry = registry;
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory instanceof ConfigurableListableBeanFactory listable ? listable : null;
    }

    /** The registry bean, or, when the application excluded it, a registry of default settings. */
    private TokenRefreshRegistry registry() {
        return registry.getIfAvailable(TokenRefreshRegistry::ofDefaults);
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof OAuth2AuthorizedClientManager manager
            && !(bean instanceof TokenRefreshOAuth2AuthorizedClientManager)
            && declaredAs(beanName, TokenRefreshOAuth2AuthorizedClientManager.class)) {
            LOG.info("tokenrefresh4j: OAuth2AuthorizedClientManager bean '" + beanName + "' ("
                + bean.getClass().getSimpleName() + ") wrapped: concurrent calls that Spring would answer with the"
                + " same authorized client share one token request");
            return new TokenRefreshOAuth2AuthorizedClientManager(manager, registry());
        }
        if (REACTOR_PRESENT && bean instanceof ReactiveOAuth2AuthorizedClientManager manager
            && !(bean instanceof ReactiveTokenRefreshOAuth2AuthorizedClientManager)
            && declaredAs(beanName, ReactiveTokenRefreshOAuth2AuthorizedClientManager.class)) {
            LOG.info("tokenrefresh4j: ReactiveOAuth2AuthorizedClientManager bean '" + beanName + "' ("
                + bean.getClass().getSimpleName() + ") wrapped: concurrent calls that Spring would answer with the"
                + " same authorized client share one token request");
            return new ReactiveTokenRefreshOAuth2AuthorizedClientManager(manager, registry());
        }
        return bean;
    }

    /**
     * Whether the wrapper can stand in for the bean: its definition declares a type the wrapper also is (the
     * manager interface). Unknown (no definition, a supplier) counts as yes, as before.
     */
    private boolean declaredAs(String beanName, Class<?> wrapper) {
        Class<?> declared = declaredType(beanName);
        if (declared == null || declared.isAssignableFrom(wrapper)) {
            return true;
        }
        LOG.warning("tokenrefresh4j: authorized-client manager bean '" + beanName + "' is declared as "
            + declared.getName() + ", so it may be injected by that type and is left unwrapped: its concurrent"
            + " calls do not share token requests. Declare it as " + wrapper.getInterfaces()[0].getSimpleName()
            + " (the @Bean method's return type) to have it wrapped.");
        return false;
    }

    private Class<?> declaredType(String beanName) {
        if (beanFactory == null || !beanFactory.containsBeanDefinition(beanName)) {
            return null;
        }
        BeanDefinition definition = beanFactory.getMergedBeanDefinition(beanName);
        if (definition instanceof RootBeanDefinition root) {
            Method factoryMethod = root.getResolvedFactoryMethod();
            if (factoryMethod != null) {
                return factoryMethod.getReturnType();
            }
            if (root.getFactoryMethodName() == null && root.getInstanceSupplier() == null && root.hasBeanClass()) {
                return root.getBeanClass();
            }
        }
        return null;
    }
}
