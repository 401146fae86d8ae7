package io.github.tokenrefresh4j.springboot.security;

import io.github.tokenrefresh4j.springboot.TokenRefreshAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.security.oauth2.client.autoconfigure.OAuth2ClientAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The starter's manager sends its token requests with an HTTP client of its own: a token endpoint that accepts the
 * connection and never answers must not hold the call that sends the request (and its thread, a boundedElastic one
 * on Spring's servlet WebClient path) forever. It gives up after the registration's {@code refresh-timeout}, as
 * the reactive manager cancels its token request then.
 */
class HungTokenEndpointTest {

    @Test
    void theCallThatSendsTheTokenRequestGivesUpAfterTheRefreshTimeoutWhenTheEndpointNeverAnswers() throws Exception {
        // the kernel completes the handshake (backlog) and takes the request; nobody ever answers it
        try (ServerSocket hung = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(TokenRefreshAutoConfiguration.class,
                    TokenRefreshSecurityAutoConfiguration.class, OAuth2ClientAutoConfiguration.class))
                .withPropertyValues(
                    "spring.security.oauth2.client.registration.orders.client-id=orders",
                    "spring.security.oauth2.client.registration.orders.client-secret=secret",
                    "spring.security.oauth2.client.registration.orders.authorization-grant-type=client_credentials",
                    "spring.security.oauth2.client.registration.orders.provider=local",
                    "spring.security.oauth2.client.provider.local.token-uri=http://127.0.0.1:" + hung.getLocalPort()
                        + "/token",
                    "tokenrefresh4j.instances.orders.refresh-timeout=1s")
                .run(context -> {
                    OAuth2AuthorizedClientManager manager = context.getBean(OAuth2AuthorizedClientManager.class);
                    OAuth2AuthorizeRequest request = OAuth2AuthorizeRequest.withClientRegistrationId("orders")
                        .principal("batch").build();
                    // generous: the call is expected to end after 1 s; without a bound it never does
                    assertTimeoutPreemptively(Duration.ofSeconds(30),
                        () -> assertThatThrownBy(() -> manager.authorize(request))
                            .isInstanceOf(RuntimeException.class));
                });
        }
    }
}
