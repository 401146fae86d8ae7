package io.github.tokenrefresh4j.springboot.app;

import io.github.tokenrefresh4j.springboot.TokenRefreshConfigCustomizer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.oauth2.client.AuthorizedClientServiceOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.InMemoryReactiveOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientProvider;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientProviderBuilder;
import org.springframework.security.oauth2.client.endpoint.RestClientClientCredentialsTokenResponseClient;
import org.springframework.security.oauth2.client.http.OAuth2ErrorResponseErrorHandler;
import org.springframework.security.oauth2.core.http.converter.OAuth2AccessTokenResponseHttpMessageConverter;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.http.converter.FormHttpMessageConverter;
import org.springframework.web.client.RestClient;
import java.util.List;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.oauth2.client.registration.InMemoryReactiveClientRegistrationRepository;
import org.springframework.security.oauth2.client.registration.ReactiveClientRegistrationRepository;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * The test application: a protected-looking API on the embedded server that answers 200 to any bearer token, and
 * Spring Security's OAuth2 client configured from application.yml. With the starter it defines no manager; a plain
 * Spring Security application ({@code tokenrefresh4j.spring-security.enabled=false}) defines the managers as the
 * Spring Security reference does for service-to-service calls.
 */
@SpringBootApplication
public class StormApplication {

    public static void main(String[] args) {
        SpringApplication.run(StormApplication.class, args);
    }

    @Bean
    SecurityFilterChain permitAll(HttpSecurity http) throws Exception {
        return http.authorizeHttpRequests(requests -> requests.anyRequest().permitAll())
            .csrf(csrf -> csrf.disable())
            .build();
    }

    @Bean
    ReactiveClientRegistrationRepository reactiveClientRegistrations(ClientRegistrationRepository registrations) {
        // the reactive paths' registrations: storm-reactive, and failing-reactive where a test defines it
        return new InMemoryReactiveClientRegistrationRepository(java.util.stream.Stream.of("storm-reactive",
                "failing-reactive")
            .map(registrations::findByRegistrationId).filter(java.util.Objects::nonNull).toList());
    }

    @Bean
    ReactiveOAuth2AuthorizedClientService reactiveAuthorizedClientService(
        ReactiveClientRegistrationRepository registrations) {
        return new InMemoryReactiveOAuth2AuthorizedClientService(registrations);
    }

    /**
     * Spring Security's client_credentials provider, its token requests sent with the JDK HttpClient. With the
     * default transport (Reactor Netty, present for WebClient), the plain application's WebClient storm stalled:
     * token requests blocking on Reactor Netty from boundedElastic threads never sent their bodies, and the storm
     * timed out. Both applications use this provider, so the comparison stays like for like. Off with
     * {@code storm.jdk-token-client=false}: then the starter's manager uses its own providers, and the plain
     * application Spring's own (on Spring's default transport: {@code PlainSpringSecurityReactorNettyStormTest}).
     */
    @Bean
    @ConditionalOnProperty(name = "storm.jdk-token-client", havingValue = "true", matchIfMissing = true)
    OAuth2AuthorizedClientProvider clientCredentialsOverJdkHttpClient() {
        RestClientClientCredentialsTokenResponseClient tokens = new RestClientClientCredentialsTokenResponseClient();
        tokens.setRestClient(RestClient.builder()
            .requestFactory(new JdkClientHttpRequestFactory())
            .messageConverters(List.of(new FormHttpMessageConverter(),
                new OAuth2AccessTokenResponseHttpMessageConverter()))
            .defaultStatusHandler(new OAuth2ErrorResponseErrorHandler())
            .build());
        return OAuth2AuthorizedClientProviderBuilder.builder()
            .clientCredentials(clientCredentials -> clientCredentials.accessTokenResponseClient(tokens))
            .build();
    }

    @Bean
    TokenRefreshConfigCustomizer brokenCustomizer() {
        return TokenRefreshConfigCustomizer.of("broken", builder -> builder.refreshOnResult("rejected"::equals));
    }

    @RestController
    static class Api {
        @GetMapping("/api/ping")
        ResponseEntity<String> ping(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String auth) {
            return auth != null && auth.startsWith("Bearer ") ? ResponseEntity.ok("pong")
                : ResponseEntity.status(401).build();
        }
    }

    /** What a plain Spring Security application defines for service-to-service calls. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "tokenrefresh4j.spring-security.enabled", havingValue = "false")
    static class PlainSpringSecurityManagers {

        @Bean
        OAuth2AuthorizedClientManager authorizedClientManager(ClientRegistrationRepository registrations,
                                                              OAuth2AuthorizedClientService clients,
                                                              ObjectProvider<OAuth2AuthorizedClientProvider> provider) {
            AuthorizedClientServiceOAuth2AuthorizedClientManager manager =
                new AuthorizedClientServiceOAuth2AuthorizedClientManager(registrations, clients);
            // with storm.jdk-token-client=false: Spring's own provider, its token requests on Spring's default
            // RestClient transport (Reactor Netty, present for WebClient)
            manager.setAuthorizedClientProvider(provider.getIfAvailable(() ->
                OAuth2AuthorizedClientProviderBuilder.builder().clientCredentials().refreshToken().build()));
            return manager;
        }

        @Bean
        ReactiveOAuth2AuthorizedClientManager reactiveAuthorizedClientManager(
            ReactiveClientRegistrationRepository registrations, ReactiveOAuth2AuthorizedClientService clients) {
            return new AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager(registrations, clients);
        }
    }
}
