package io.github.tokenrefresh4j.springboot.app;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.springboot.security.ReactiveTokenRefreshOAuth2AuthorizedClientManager;
import io.github.tokenrefresh4j.springboot.security.TokenRefreshOAuth2AuthorizedClientManager;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseEntity;
import org.springframework.security.oauth2.client.AuthorizedClientServiceOAuth2AuthorizedClientManager;
import org.springframework.web.client.RestClient;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The application with the starter, against the embedded authorization server: the properties bind into the
 * registry, the actuator answers over HTTP and the meters are in the MeterRegistry. Its storms, in the same
 * context: {@link StarterStormMatrixTest}.
 */
class StarterApplicationTest extends Storms {

    private static final String SECRET_ACCESS_TOKEN = "secret-access-token-never-shown";

    @Autowired
    private TokenRefreshRegistry registry;

    @Autowired
    private MeterRegistry meterRegistry;

    @Test
    void propertiesAndCustomizersBindIntoTheRegistry() {
        TokenRefreshConfig defaults = registry.getDefaultConfig();
        assertThat(defaults.getRefreshAhead()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.getRefreshTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.getMaxRefreshAttemptsPerCall()).isEqualTo(1);
        assertThat(registry.getConfiguration("patient")).hasValueSatisfying(patient -> {
            assertThat(patient.getRefreshTimeout()).isEqualTo(Duration.ofSeconds(20));
            assertThat(patient.getRefreshAhead()).isEqualTo(Duration.ofSeconds(30));
        });

        TokenRefreshDecorator orders = registry.tokenRefresh("orders-api", current -> AccessToken.of("t"));
        assertThat(orders.getTokenRefreshConfig().getRefreshTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(orders.getTokenRefreshConfig().getRefreshAhead()).isEqualTo(Duration.ofSeconds(30));
        assertThat(orders.getTags()).containsEntry("team", "orders");

        TokenRefreshDecorator broken = registry.tokenRefresh("broken", current -> AccessToken.of("t"));
        assertThat(broken.getTokenRefreshConfig().getRefreshTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(broken.getTokenRefreshConfig().getRefreshOnResult().test("rejected")).isTrue();
        assertThat(broken.getTags()).containsEntry("tier", "patient");
        registry.remove("broken");
    }

    @Test
    void everyManagerBeanIsWrappedAndTheStartersManagerWorksOutsideARequest() {
        assertThat(authorizedClientManager).isInstanceOf(TokenRefreshOAuth2AuthorizedClientManager.class);
        assertThat(((TokenRefreshOAuth2AuthorizedClientManager) authorizedClientManager).getDelegate())
            .isInstanceOf(AuthorizedClientServiceOAuth2AuthorizedClientManager.class);
        assertThat(reactiveAuthorizedClientManager)
            .isInstanceOf(ReactiveTokenRefreshOAuth2AuthorizedClientManager.class);
    }

    @Test
    void endpointAndHealthAnswerOverHttpWithoutTokenValues() {
        TokenRefreshDecorator orders = registry.tokenRefresh("orders-api", current -> AccessToken.of(
            SECRET_ACCESS_TOKEN, java.time.Instant.now().plusSeconds(3600)));
        orders.executeFunction(AccessToken::value);
        // the refresh's thread counts it after it released the call: the endpoint shows it once counted
        await().atMost(Duration.ofSeconds(20))
            .until(() -> orders.getMetrics().getNumberOfSuccessfulRefreshes() == 1);
        RestClient http = RestClient.builder().baseUrl("http://127.0.0.1:" + port)
            .defaultStatusHandler(HttpStatusCode::isError, (request, response) -> { })
            .build();

        String all = http.get().uri("/actuator/tokenrefreshes").retrieve().body(String.class);
        assertThat(all).contains("\"name\":\"orders-api\"", "\"usableToken\":true", "\"team\":\"orders\"",
            "\"successfulRefreshes\":1", "\"refreshInFlight\":false").doesNotContain(SECRET_ACCESS_TOKEN);
        String one = http.get().uri("/actuator/tokenrefreshes/orders-api").retrieve().body(String.class);
        assertThat(one).contains("\"name\":\"orders-api\"", "\"consecutiveFailures\":0");
        assertThat(http.get().uri("/actuator/tokenrefreshes/nobody").retrieve().toBodilessEntity().getStatusCode()
            .value()).isEqualTo(404);

        ResponseEntity<String> up = http.get().uri("/actuator/health/tokenrefresh").retrieve()
            .toEntity(String.class);
        assertThat(up.getStatusCode().value()).isEqualTo(200);
        assertThat(up.getBody()).contains("\"status\":\"UP\"", "orders-api").doesNotContain(SECRET_ACCESS_TOKEN);

        TokenRefreshDecorator broken = registry.tokenRefresh("broken", current -> {
            throw new IllegalStateException("token endpoint down");
        });
        try {
            assertThatThrownBy(() -> broken.executeFunction(AccessToken::value))
                .isInstanceOf(TokenRefreshException.class);
            ResponseEntity<String> down = http.get().uri("/actuator/health/tokenrefresh").retrieve()
                .toEntity(String.class);
            assertThat(down.getStatusCode().value()).isEqualTo(503);
            assertThat(down.getBody()).contains("\"status\":\"DOWN\"", "\"broken\"", "\"consecutiveFailures\":1",
                "cooldownEnd");
            // out of liveness: a failing token endpoint is no reason to restart the application
            assertThat(http.get().uri("/actuator/health/liveness").retrieve().toBodilessEntity().getStatusCode()
                .value()).isEqualTo(200);
        } finally {
            registry.remove("broken");
        }
    }

    @Test
    void metersOfEveryDecoratorAreInTheMeterRegistry() {
        registry.tokenRefresh("orders-api", current -> AccessToken.of("t")).executeFunction(AccessToken::value);
        assertThat(meterRegistry.find("tokenrefresh.refreshes").tag("name", "orders-api").tag("team", "orders")
            .meters()).isNotEmpty();
    }
}
