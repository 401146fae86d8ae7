package io.github.tokenrefresh4j.springboot.security;

import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.springboot.TokenRefreshAutoConfiguration;
import io.github.tokenrefresh4j.springboot.TokenRefreshProperties;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.oauth2.client.AuthorizedClientServiceOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizationContext;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientProvider;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientProviderBuilder;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientProvider;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientProviderBuilder;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.oauth2.client.registration.ReactiveClientRegistrationRepository;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.http.converter.FormHttpMessageConverter;
import org.springframework.security.oauth2.client.endpoint.RestClientClientCredentialsTokenResponseClient;
import org.springframework.security.oauth2.client.endpoint.RestClientRefreshTokenTokenResponseClient;
import org.springframework.security.oauth2.client.http.OAuth2ErrorResponseErrorHandler;
import org.springframework.security.oauth2.core.http.converter.OAuth2AccessTokenResponseHttpMessageConverter;
import org.springframework.web.client.RestClient;
import reactor.core.publisher.Mono;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Coalesced token requests for Spring Security's OAuth2 client, with no code: every authorized-client manager bean
 * is wrapped (see {@link TokenRefreshOAuth2AuthorizedClientManager}). When the application defines no manager but
 * has the client registrations and an authorized-client service, it defines an
 * {@link AuthorizedClientServiceOAuth2AuthorizedClientManager} (service-to-service use, works outside a web
 * request). Being a bean definition, it is in place before Spring Security's own registrar looks for a manager,
 * so that registrar skips its request-bound {@code DefaultOAuth2AuthorizedClientManager}. Off with
 * {@code tokenrefresh4j.spring-security.enabled=false}.
 */
@AutoConfiguration(after = TokenRefreshAutoConfiguration.class, afterName = {
    "org.springframework.boot.security.oauth2.client.autoconfigure.OAuth2ClientAutoConfiguration",
    "org.springframework.boot.security.oauth2.client.autoconfigure.reactive.ReactiveOAuth2ClientAutoConfiguration"})
@ConditionalOnClass(OAuth2AuthorizedClientManager.class)
@ConditionalOnProperty(prefix = "tokenrefresh4j.spring-security", name = "enabled", matchIfMissing = true)
public class TokenRefreshSecurityAutoConfiguration {

    /** Wraps every manager bean; static, so that it exists before the managers do. */
    @Bean
    static BeanPostProcessor tokenRefreshAuthorizedClientManagerPostProcessor(
        ObjectProvider<TokenRefreshRegistry> tokenRefreshRegistry) {
        return new AuthorizedClientManagerPostProcessor(tokenRefreshRegistry);
    }

    /**
     * Lists the client registrations in the registry from startup, and warns of instances that match none.
     */
    @Bean
    @ConditionalOnBean({ClientRegistrationRepository.class, TokenRefreshRegistry.class})
    SmartInitializingSingleton tokenRefreshClientRegistrationsAtStartup(
        ClientRegistrationRepository clientRegistrationRepository, TokenRefreshRegistry tokenRefreshRegistry,
        ObjectProvider<TokenRefreshProperties> properties) {
        return new ClientRegistrationsAtStartup(clientRegistrationRepository, tokenRefreshRegistry,
            properties.getIfAvailable(TokenRefreshProperties::new));
    }

    /**
     * The manager for service-to-service calls, when the application defines none. Spring's providers send their
     * token requests with {@code RestClient}, which they load when they are built.
     */
    @Bean
    @ConditionalOnClass(name = "org.springframework.web.client.RestClient")
    @ConditionalOnMissingBean(OAuth2AuthorizedClientManager.class)
    @ConditionalOnBean({ClientRegistrationRepository.class, OAuth2AuthorizedClientService.class})
    public OAuth2AuthorizedClientManager authorizedClientManager(
        ClientRegistrationRepository clientRegistrationRepository,
        OAuth2AuthorizedClientService authorizedClientService,
        ObjectProvider<OAuth2AuthorizedClientProvider> authorizedClientProvider,
        ObjectProvider<TokenRefreshRegistry> tokenRefreshRegistry) {
        AuthorizedClientServiceOAuth2AuthorizedClientManager manager =
            new AuthorizedClientServiceOAuth2AuthorizedClientManager(clientRegistrationRepository,
                authorizedClientService);
        manager.setAuthorizedClientProvider(authorizedClientProvider.getIfUnique(() -> providerOverTheJdkHttpClient(
            tokenRefreshRegistry.getIfAvailable(TokenRefreshRegistry::ofDefaults))));
        return manager;
    }

    /**
     * Spring's {@code client_credentials} and {@code refresh_token} providers, their token requests sent with the
     * JDK {@code HttpClient}. Spring's default {@code RestClient} picks Reactor Netty when it is on the classpath,
     * and its request factory writes the request body on Reactor's {@code boundedElastic} pool: the very pool on
     * which Spring's servlet WebClient filter function calls this manager, so the callers waiting for the token
     * request would hold the threads it needs (64 calls: 10 s stalls and failures). The JDK client needs none of
     * them. A token request that has no answer within the registration's {@code refreshTimeout} fails (the JDK
     * client has no timeout of its own): a hung token endpoint holds the call that sent it no longer than the
     * callers waiting for it, as the reactive manager cancels its token request then. Spring's {@code clockSkew}
     * is the registration's {@code refreshAhead}, at most half the token's lifetime ({@link ClockSkews}): the
     * provider refreshes a token that long before its expiry.
     */
    static OAuth2AuthorizedClientProvider providerOverTheJdkHttpClient(TokenRefreshRegistry registry) {
        return new StarterProvider(registry);
    }

    /** The starter's provider: Spring's, per refresh timeout and refresh-ahead of the registration. */
    static final class StarterProvider implements OAuth2AuthorizedClientProvider, ClockSkews.RefreshAheadProvider {

        private final TokenRefreshRegistry registry;
        private final HttpClient httpClient = HttpClient.newHttpClient();
        private final Map<List<Duration>, OAuth2AuthorizedClientProvider> bySettings = new ConcurrentHashMap<>();

        StarterProvider(TokenRefreshRegistry registry) {
            this.registry = registry;
        }

        @Override
        public OAuth2AuthorizedClient authorize(OAuth2AuthorizationContext context) {
            TokenRefreshConfig config = ClockSkews.configOf(registry,
                context.getClientRegistration().getRegistrationId());
            Duration timeout = config.getRefreshTimeout();
            Duration clockSkew = config.getRefreshAhead();
            if (ClockSkews.dueOnlyUncapped(context, clockSkew)) {
                return null; // not due: the manager keeps the authorized client
            }
            return bySettings.computeIfAbsent(List.of(timeout, clockSkew),
                    settings -> providerOverTheJdkHttpClient(httpClient, timeout, clockSkew))
                .authorize(context);
        }

        @Override
        public Duration refreshAhead(String registrationId) {
            return ClockSkews.configOf(registry, registrationId).getRefreshAhead();
        }
    }

    private static OAuth2AuthorizedClientProvider providerOverTheJdkHttpClient(HttpClient httpClient,
                                                                               Duration timeout,
                                                                               Duration clockSkew) {
        JdkClientHttpRequestFactory requestFactory = new JdkClientHttpRequestFactory(httpClient);
        requestFactory.setReadTimeout(timeout);
        RestClient restClient = RestClient.builder()
            .requestFactory(requestFactory)
            .messageConverters(List.of(new FormHttpMessageConverter(),
                new OAuth2AccessTokenResponseHttpMessageConverter()))
            .defaultStatusHandler(new OAuth2ErrorResponseErrorHandler())
            .build();
        RestClientClientCredentialsTokenResponseClient clientCredentials =
            new RestClientClientCredentialsTokenResponseClient();
        clientCredentials.setRestClient(restClient);
        RestClientRefreshTokenTokenResponseClient refreshToken = new RestClientRefreshTokenTokenResponseClient();
        refreshToken.setRestClient(restClient);
        return OAuth2AuthorizedClientProviderBuilder.builder()
            .clientCredentials(builder -> builder.accessTokenResponseClient(clientCredentials).clockSkew(clockSkew))
            .refreshToken(builder -> builder.accessTokenResponseClient(refreshToken).clockSkew(clockSkew))
            .build();
    }

    /**
     * The failure handler to give Spring Security's RestClient interceptor and WebClient filter functions: it
     * removes the authorized client after a 401 only if it still holds the token that failed.
     */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(OAuth2AuthorizedClientService.class)
    public StaleAwareAuthorizationFailureHandler staleAwareAuthorizationFailureHandler(
        OAuth2AuthorizedClientService authorizedClientService) {
        return new StaleAwareAuthorizationFailureHandler(authorizedClientService);
    }

    /** The meters of Spring Security's path ({@link SpringSecurityTokenRequestMetrics}). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    @ConditionalOnProperty(prefix = "tokenrefresh4j.metrics", name = "enabled", matchIfMissing = true)
    static class MetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnBean(TokenRefreshRegistry.class)
        SpringSecurityTokenRequestMetrics springSecurityTokenRequestMetrics(TokenRefreshRegistry tokenRefreshRegistry) {
            return new SpringSecurityTokenRequestMetrics(tokenRefreshRegistry);
        }
    }

    /**
     * The reactive manager's token requests go through {@code WebClient}: Spring's reactive providers load it (and
     * {@code BodyInserter}) when they are built, so this needs spring-webflux, not only reactor-core (which
     * Lettuce, that is the redis module, brings to applications without WebFlux).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(value = Mono.class,
        name = "org.springframework.web.reactive.function.client.WebClient")
    static class ReactiveManagerConfiguration {

        /** The reactive manager for service-to-service calls, when the application defines none. */
        @Bean
        @ConditionalOnMissingBean(ReactiveOAuth2AuthorizedClientManager.class)
        @ConditionalOnBean({ReactiveClientRegistrationRepository.class, ReactiveOAuth2AuthorizedClientService.class})
        ReactiveOAuth2AuthorizedClientManager reactiveAuthorizedClientManager(
            ReactiveClientRegistrationRepository clientRegistrationRepository,
            ReactiveOAuth2AuthorizedClientService authorizedClientService,
            ObjectProvider<ReactiveOAuth2AuthorizedClientProvider> authorizedClientProvider,
            ObjectProvider<TokenRefreshRegistry> tokenRefreshRegistry) {
            AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager manager =
                new AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager(clientRegistrationRepository,
                    authorizedClientService);
            manager.setAuthorizedClientProvider(authorizedClientProvider.getIfUnique(() ->
                new ReactiveStarterProvider(tokenRefreshRegistry.getIfAvailable(TokenRefreshRegistry::ofDefaults))));
            return manager;
        }
    }

    /**
     * The reactive manager's provider: Spring's {@code client_credentials} and {@code refresh_token} providers,
     * whose {@code clockSkew} is the registration's {@code refreshAhead}, at most half the token's lifetime.
     */
    static final class ReactiveStarterProvider
        implements ReactiveOAuth2AuthorizedClientProvider, ClockSkews.RefreshAheadProvider {

        private final TokenRefreshRegistry registry;
        private final Map<Duration, ReactiveOAuth2AuthorizedClientProvider> byClockSkew = new ConcurrentHashMap<>();

        ReactiveStarterProvider(TokenRefreshRegistry registry) {
            this.registry = registry;
        }

        @Override
        public Mono<OAuth2AuthorizedClient> authorize(OAuth2AuthorizationContext context) {
            Duration clockSkew = refreshAhead(context.getClientRegistration().getRegistrationId());
            if (ClockSkews.dueOnlyUncapped(context, clockSkew)) {
                return Mono.empty(); // not due: the manager keeps the authorized client
            }
            return byClockSkew.computeIfAbsent(clockSkew, skew -> ReactiveOAuth2AuthorizedClientProviderBuilder
                    .builder()
                    .clientCredentials(builder -> builder.clockSkew(skew))
                    .refreshToken(builder -> builder.clockSkew(skew))
                    .build())
                .authorize(context);
        }

        @Override
        public Duration refreshAhead(String registrationId) {
            return ClockSkews.configOf(registry, registrationId).getRefreshAhead();
        }
    }
}
