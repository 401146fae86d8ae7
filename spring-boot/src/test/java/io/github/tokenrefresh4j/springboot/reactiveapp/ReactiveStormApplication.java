package io.github.tokenrefresh4j.springboot.reactiveapp;

import io.github.tokenrefresh4j.springboot.app.Storm;
import io.github.tokenrefresh4j.springboot.app.Storms;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.client.AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.registration.ReactiveClientRegistrationRepository;
import org.springframework.security.oauth2.client.web.reactive.function.client.ServerOAuth2AuthorizedClientExchangeFilterFunction;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A reactive web application (WebFlux on Reactor Netty) with Spring Security's OAuth2 client and the starter, as a
 * Boot user writes one: no manager of its own, a WebClient with {@link ServerOAuth2AuthorizedClientExchangeFilterFunction}
 * on the reactive manager the starter defines. {@code /api/proxy} calls {@code /api/ping} (which answers 200 to any
 * bearer token) through that WebClient, within the exchange. No component scan: the servlet test application is in
 * a sibling package and stays out.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(ReactiveStormApplication.Api.class)
public class ReactiveStormApplication {

    public static final String REGISTRATION_ID = "storm-reactive-app";

    @Bean
    SecurityWebFilterChain permitAll(ServerHttpSecurity http) {
        return http.authorizeExchange(exchanges -> exchanges.anyExchange().permitAll())
            .csrf(ServerHttpSecurity.CsrfSpec::disable)
            .build();
    }

    /**
     * @return the token requests of a storm of {@value Storm#CALLERS} concurrent requests to {@code /api/proxy} of the
     *     application on {@code port}, every one of which must be answered
     */
    static long proxyStorm(int port) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest proxy = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/proxy"))
            .timeout(Duration.ofSeconds(60)).build();
        return Storm.run(() -> http.send(proxy, HttpResponse.BodyHandlers.ofString()).body());
    }

    /** Replaces the stored authorized client of the registration with one whose access token expired. */
    static void expire(ReactiveOAuth2AuthorizedClientService authorizedClientService) {
        OAuth2AuthorizedClient stored = authorizedClientService.<OAuth2AuthorizedClient>loadAuthorizedClient(
            REGISTRATION_ID, Storms.ANONYMOUS.getName()).block(Duration.ofSeconds(10));
        assertThat(stored).as("stored authorized client of " + REGISTRATION_ID).isNotNull();
        authorizedClientService.saveAuthorizedClient(Storms.expired(stored), Storms.ANONYMOUS)
            .block(Duration.ofSeconds(10));
    }

    /** Plain Spring Security ({@code tokenrefresh4j.spring-security.enabled=false}): the manager its reference defines. */
    @Bean
    @ConditionalOnProperty(name = "tokenrefresh4j.spring-security.enabled", havingValue = "false")
    ReactiveOAuth2AuthorizedClientManager plainReactiveAuthorizedClientManager(
        ReactiveClientRegistrationRepository registrations, ReactiveOAuth2AuthorizedClientService clients) {
        return new AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager(registrations, clients);
    }

    @RestController
    static class Api {

        private final WebClient client;
        private final Environment environment;

        Api(ReactiveOAuth2AuthorizedClientManager authorizedClientManager, Environment environment) {
            ServerOAuth2AuthorizedClientExchangeFilterFunction oauth2 =
                new ServerOAuth2AuthorizedClientExchangeFilterFunction(authorizedClientManager);
            oauth2.setDefaultClientRegistrationId(REGISTRATION_ID);
            this.client = WebClient.builder().filter(oauth2).build();
            this.environment = environment;
        }

        @GetMapping("/api/ping")
        Mono<ResponseEntity<String>> ping(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false)
                                          String authorization) {
            return Mono.just(authorization != null && authorization.startsWith("Bearer ") ? ResponseEntity.ok("pong")
                : ResponseEntity.status(401).build());
        }

        @GetMapping("/api/proxy")
        Mono<String> proxy() {
            return client.get()
                .uri("http://127.0.0.1:" + environment.getProperty("local.server.port") + "/api/ping")
                .retrieve().bodyToMono(String.class);
        }
    }
}
