package io.github.tokenrefresh4j.springboot.app;

import io.github.tokenrefresh4j.springboot.security.ReactiveTokenRefreshOAuth2AuthorizedClientManager;
import io.github.tokenrefresh4j.springboot.security.TokenRefreshOAuth2AuthorizedClientManager;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The baseline: the same storms with {@code tokenrefresh4j.spring-security.enabled=false}, plain Spring Security
 * with the managers its reference defines for service-to-service calls. It records what Spring does (printed as
 * {@code STORM} lines for BENCHMARKS.md); it asserts only that each storm made at least one token request.
 */
@TestPropertySource(properties = "tokenrefresh4j.spring-security.enabled=false")
class PlainSpringSecurityStormTest extends Storms {

    @Test
    void managersAreSpringSecuritysOwn() {
        assertThat(authorizedClientManager).isNotInstanceOf(TokenRefreshOAuth2AuthorizedClientManager.class);
        assertThat(reactiveAuthorizedClientManager)
            .isNotInstanceOf(ReactiveTokenRefreshOAuth2AuthorizedClientManager.class);
    }

    @Test
    void restClientStormsMakeTheirOwnTokenRequests() throws Exception {
        coldStartAndAfterExpiry("RestClient", this::restClientStorm, () -> expire("storm-rest"));
    }

    @Test
    void restTemplateStormsMakeTheirOwnTokenRequests() throws Exception {
        coldStartAndAfterExpiry("RestTemplate", this::restTemplateStorm, () -> expire("storm-resttemplate"));
    }

    @Test
    void jdkWebClientStormsMakeTheirOwnTokenRequests() throws Exception {
        coldStartAndAfterExpiry("WebClient on the JDK client (servlet)", this::jdkWebClientStorm,
            () -> expire("storm-webclient-jdk"));
    }

    @Test
    void webClientStormsMakeTheirOwnTokenRequests() throws Exception {
        coldStartAndAfterExpiry("WebClient (servlet)", this::webClientStorm, () -> expire("storm-webclient"));
        coldStartAndAfterExpiry("WebClient (reactive manager)", this::reactiveWebClientStorm,
            () -> expireReactive("storm-reactive"));
    }

    private static void coldStartAndAfterExpiry(String path, Callable<Long> storm, Runnable expire)
        throws Exception {
        long cold = storm.call();
        System.out.println("STORM plain " + path + " cold start: " + CALLERS + " calls, " + cold + " token requests");
        expire.run();
        long expired = storm.call();
        System.out.println("STORM plain " + path + " after expiry: " + CALLERS + " calls, " + expired
            + " token requests");
        assertThat(cold).isPositive();
        assertThat(expired).isPositive();
    }
}
