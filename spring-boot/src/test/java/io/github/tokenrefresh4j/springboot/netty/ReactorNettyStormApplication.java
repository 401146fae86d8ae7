package io.github.tokenrefresh4j.springboot.netty;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * A servlet application as a new Boot user writes it, with nothing about transports: Reactor Netty is on the
 * classpath (WebClient), and the starter defines the authorized-client manager with its own providers (unlike
 * {@code StormApplication}, which sends its token requests with the JDK HttpClient).
 */
@SpringBootApplication
public class ReactorNettyStormApplication {

    @Bean
    SecurityFilterChain permitAll(HttpSecurity http) throws Exception {
        return http.authorizeHttpRequests(requests -> requests.anyRequest().permitAll())
            .csrf(csrf -> csrf.disable())
            .build();
    }

    @RestController
    static class Api {
        @GetMapping("/api/ping")
        ResponseEntity<String> ping(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String auth) {
            return auth != null && auth.startsWith("Bearer ") ? ResponseEntity.ok("pong")
                : ResponseEntity.status(401).build();
        }
    }
}
