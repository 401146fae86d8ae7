package io.github.tokenrefresh4j.springboot.reactiveapp;

import io.github.tokenrefresh4j.springboot.app.AuthorizationServer;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientService;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The reactive web application's storms ({@link ReactiveStormApplication}), shared by the application with the
 * starter and the plain Spring Security one: {@link #storm()} sends {@value io.github.tokenrefresh4j.springboot.app.Storm#CALLERS}
 * concurrent requests to its {@code /api/proxy}.
 */
@SpringBootTest(classes = ReactiveStormApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "spring.main.web-application-type=reactive")
abstract class ReactiveStorms {

    @LocalServerPort
    protected int port;

    @Autowired
    protected ReactiveOAuth2AuthorizedClientManager authorizedClientManager;

    @Autowired
    protected ReactiveOAuth2AuthorizedClientService authorizedClientService;

    @DynamicPropertySource
    static void authorizationServer(DynamicPropertyRegistry registry) {
        registry.add("spring.security.oauth2.client.provider.mock.token-uri", AuthorizationServer.get()::tokenUri);
    }

    /** @return the token requests of a storm, every call of which must be answered */
    protected long storm() throws Exception {
        return ReactiveStormApplication.proxyStorm(port);
    }
}
