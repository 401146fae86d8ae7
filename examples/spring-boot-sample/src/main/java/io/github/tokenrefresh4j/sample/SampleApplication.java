package io.github.tokenrefresh4j.sample;

import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.MockWebServerWrapper;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.web.client.OAuth2ClientHttpRequestInterceptor;
import org.springframework.security.oauth2.client.web.client.RequestAttributeClientRegistrationIdResolver;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A Spring Boot service calling another service with Spring Security's OAuth2 client ({@code client_credentials},
 * RestClient with {@link OAuth2ClientHttpRequestInterceptor}), written as any Spring Security application is: it
 * has no tokenrefresh4j code. The starter on the classpath gives it one token request per expiry however many
 * calls run at once, the {@code tokenrefreshes} actuator endpoint and the {@code tokenrefresh} health indicator.
 *
 * <p>{@code main} starts an embedded authorization server, the application, makes 64 concurrent calls to the
 * application's own API through the OAuth2 client, and prints how many token requests the server received and
 * what {@code /actuator/tokenrefreshes} shows:
 *
 * <pre>{@code
 * mvn -B -ntp -q install -DskipTests && mvn -B -ntp -q -pl spring-boot-sample exec:java
 * }</pre>
 */
@SpringBootApplication
public class SampleApplication {

    /** The registration id in application.yml. */
    static final String REGISTRATION = "orders-api";

    public static void main(String[] args) throws Exception {
        System.out.println(run(64, args));
        System.exit(0);
    }

    /** Runs the sample with {@code callers} concurrent calls and returns its summary. */
    static String run(int callers, String... args) throws Exception {
        // MockWebServer under it keeps the request log that counts the token requests.
        MockWebServerWrapper httpServer = new MockWebServerWrapper();
        MockOAuth2Server authorizationServer = new MockOAuth2Server(new OAuth2Config(false, null, null, false,
            new OAuth2TokenProvider(), Set.of(), httpServer));
        authorizationServer.start(InetAddress.getLoopbackAddress(), 0);
        String tokenUri = authorizationServer.baseUrl().newBuilder().host("127.0.0.1").build()
            .resolve("sample/token").toString();
        List<String> arguments = new ArrayList<>(List.of(args));
        arguments.add("--spring.security.oauth2.client.provider.sample.token-uri=" + tokenUri);
        try (ConfigurableApplicationContext context = SpringApplication.run(SampleApplication.class,
            arguments.toArray(String[]::new))) {
            String base = "http://127.0.0.1:" + ((WebServerApplicationContext) context).getWebServer().getPort();
            RestClient orders = RestClient.builder()
                .baseUrl(base)
                .requestInterceptor(new OAuth2ClientHttpRequestInterceptor(
                    context.getBean(OAuth2AuthorizedClientManager.class)))
                .build();
            ExecutorService threads = Executors.newFixedThreadPool(callers);
            try {
                List<Future<String>> answers = new ArrayList<>();
                for (int i = 0; i < callers; i++) {
                    answers.add(threads.submit(() -> orders.get().uri("/api/orders")
                        .attributes(RequestAttributeClientRegistrationIdResolver.clientRegistrationId(REGISTRATION))
                        .retrieve().body(String.class)));
                }
                for (Future<String> answer : answers) {
                    answer.get(60, TimeUnit.SECONDS);
                }
            } finally {
                threads.shutdownNow();
            }
            long tokenRequests = 0;
            while (httpServer.getMockWebServer().takeRequest(0, TimeUnit.MILLISECONDS) != null) {
                tokenRequests++; // the client_credentials grant is the only request this server gets
            }
            String endpoint = RestClient.create(base).get().uri("/actuator/tokenrefreshes/" + REGISTRATION)
                .retrieve().body(String.class);
            return "sample: calls=" + callers + " token_requests=" + tokenRequests + "\n"
                + "GET /actuator/tokenrefreshes/" + REGISTRATION + " -> " + endpoint;
        } finally {
            authorizationServer.shutdown();
        }
    }

    /** The API the sample calls: any bearer token will do, it is the caller's side that is shown. */
    @RestController
    static class OrdersApi {
        @GetMapping("/api/orders")
        ResponseEntity<String> orders(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String auth) {
            return auth != null && auth.startsWith("Bearer ") ? ResponseEntity.ok("[]")
                : ResponseEntity.status(401).build();
        }
    }

    @Bean
    SecurityFilterChain api(HttpSecurity http) throws Exception {
        return http.authorizeHttpRequests(requests -> requests.anyRequest().permitAll()).build();
    }
}
