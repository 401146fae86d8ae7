package io.github.tokenrefresh4j.springboot.actuate;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.event.TokenRefreshEvent;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/** The {@code tokenrefreshevents} endpoint: each decorator's last events, no token, no exception message. */
class TokenRefreshEventsEndpointTest {

    private static final String SECRET = "secret-token-never-shown";

    @Test
    void keepsTheLastEventsOfEveryDecoratorPresentAndFutureWithoutTokensOrMessages() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        registry.tokenRefresh("before", current -> AccessToken.of(SECRET)).executeFunction(AccessToken::value);
        TokenRefreshEventsEndpoint endpoint = new TokenRefreshEventsEndpoint(registry);

        TokenRefreshDecorator ok = registry.tokenRefresh("ok", current -> AccessToken.of(SECRET));
        ok.executeFunction(AccessToken::value);
        TokenRefreshDecorator broken = registry.tokenRefresh("broken", current -> {
            throw new IllegalStateException("endpoint said " + SECRET);
        });
        catchThrowable(() -> broken.executeFunction(AccessToken::value));

        // a refresh publishes its event on its own thread after it released the call: wait for it
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(endpoint.tokenRefreshEvents("ok").tokenRefreshEvents()).singleElement()
                .satisfies(event -> assertThat(event.type()).isEqualTo(TokenRefreshEvent.Type.REFRESH_SUCCEEDED));
            assertThat(endpoint.tokenRefreshEvents("broken").tokenRefreshEvents()).first().satisfies(event -> {
                assertThat(event.type()).isEqualTo(TokenRefreshEvent.Type.REFRESH_FAILED);
                assertThat(event.errorType()).isEqualTo(IllegalStateException.class.getName());
            });
        });
        assertThat(endpoint.tokenRefreshEvents().tokenRefreshEvents()).extracting(
            TokenRefreshEventsEndpoint.TokenRefreshEventDescriptor::name).contains("ok", "broken");
        assertThat(endpoint.tokenRefreshEvents().toString()).doesNotContain(SECRET);
        assertThat(endpoint.tokenRefreshEvents("nobody")).isNull();
    }

    @Test
    void keepsAtMostAHundredEventsPerDecorator() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        TokenRefreshEventsEndpoint endpoint = new TokenRefreshEventsEndpoint(registry);
        TokenRefreshDecorator decorator = registry.tokenRefresh("busy", current -> AccessToken.of("t"));
        for (int i = 0; i < 150; i++) {
            decorator.invalidate();
            decorator.executeFunction(AccessToken::value);
        }
        // the last refreshes may publish their events a moment after their calls returned
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
            assertThat(endpoint.tokenRefreshEvents("busy").tokenRefreshEvents())
                .hasSize(TokenRefreshEventsEndpoint.EVENTS_PER_DECORATOR));
    }
}
