package io.github.tokenrefresh4j.springboot;

import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.micrometer.TaggedTokenRefreshMetrics;
import io.github.tokenrefresh4j.springboot.actuate.TokenRefreshActuatorAutoConfiguration;
import io.github.tokenrefresh4j.springboot.actuate.TokenRefreshEndpoint;
import io.github.tokenrefresh4j.springboot.actuate.TokenRefreshHealthIndicator;
import io.github.tokenrefresh4j.springboot.security.ReactiveTokenRefreshOAuth2AuthorizedClientManager;
import io.github.tokenrefresh4j.springboot.security.SpringSecurityTokenRequestMetrics;
import io.github.tokenrefresh4j.springboot.security.StaleAwareAuthorizationFailureHandler;
import io.github.tokenrefresh4j.springboot.security.TokenRefreshOAuth2AuthorizedClientManager;
import io.github.tokenrefresh4j.springboot.security.TokenRefreshSecurityAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.security.oauth2.client.autoconfigure.OAuth2ClientAutoConfiguration;
import org.springframework.boot.security.oauth2.client.autoconfigure.reactive.ReactiveOAuth2ClientAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.oauth2.client.AuthorizedClientServiceOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every application shape the starter meets (issue 22): non-web, servlet and reactive contexts over classpaths with
 * and without spring-webflux, reactor-core, Reactor Netty, the actuator, Micrometer, Spring Security's OAuth2 client
 * and the Lettuce of the redis module (reactor-core without spring-webflux), each hidden with a
 * {@link FilteredClassLoader}. In each: the context starts, the beans that should exist exist, and nothing else.
 */
class AutoConfigurationMatrixTest {

    private static final AutoConfigurations STARTER = AutoConfigurations.of(TokenRefreshAutoConfiguration.class,
        TokenRefreshMetricsAutoConfiguration.class, TokenRefreshActuatorAutoConfiguration.class,
        TokenRefreshSecurityAutoConfiguration.class, OAuth2ClientAutoConfiguration.class,
        ReactiveOAuth2ClientAutoConfiguration.class);
    private static final String[] CLIENT_REGISTRATION = {
        "spring.security.oauth2.client.registration.orders.client-id=orders",
        "spring.security.oauth2.client.registration.orders.client-secret=secret",
        "spring.security.oauth2.client.registration.orders.authorization-grant-type=client_credentials",
        "spring.security.oauth2.client.registration.orders.provider=local",
        "spring.security.oauth2.client.provider.local.token-uri=http://127.0.0.1:9/token"};

    private static final String WEBFLUX = "org.springframework.web.reactive";
    private static final String REACTOR = "reactor.";
    private static final String REACTOR_NETTY = "reactor.netty";
    private static final String OAUTH2_CLIENT = "org.springframework.security.oauth2.client";
    private static final String MICROMETER = "io.micrometer";
    private static final String TOKENREFRESH4J_MICROMETER = "io.github.tokenrefresh4j.micrometer";
    private static final String ACTUATOR = "org.springframework.boot.actuate";
    private static final String HEALTH = "org.springframework.boot.health";

    private static ApplicationContextRunner nonWeb(String... hidden) {
        return new ApplicationContextRunner().withConfiguration(STARTER)
            .withClassLoader(new FilteredClassLoader(hidden)).withPropertyValues(CLIENT_REGISTRATION);
    }

    @Test
    void nonWebWithReactorButNoWebFluxTheShapeOfTheRedisModuleStartsWithTheImperativeManagerOnly() {
        // issue 22 #1: a scheduler with tokenrefresh4j-redis (Lettuce brings reactor-core) and no spring-webflux
        nonWeb(WEBFLUX).run(context -> {
            assertStarted(context);
            assertWrapped(context, OAuth2AuthorizedClientManager.class, TokenRefreshOAuth2AuthorizedClientManager.class);
            assertThat(context).doesNotHaveBean(ReactiveOAuth2AuthorizedClientManager.class);
            assertThat(context).hasSingleBean(StaleAwareAuthorizationFailureHandler.class);
        });
    }

    @Test
    void nonWebWithReactorAndWebFluxHasBothManagersWrapped() {
        nonWeb().run(context -> {
            assertStarted(context);
            assertThat(context).hasSingleBean(SpringSecurityTokenRequestMetrics.class);
            assertWrapped(context, OAuth2AuthorizedClientManager.class, TokenRefreshOAuth2AuthorizedClientManager.class);
            assertWrapped(context, ReactiveOAuth2AuthorizedClientManager.class,
                ReactiveTokenRefreshOAuth2AuthorizedClientManager.class);
        });
    }

    @Test
    void nonWebWithoutTheServletApiHasTheImperativeManagerWrapped() {
        // a scheduler: spring-boot-starter-oauth2-client without a web server brings no jakarta.servlet
        nonWeb("jakarta.servlet").run(context -> {
            assertStarted(context);
            assertWrapped(context, OAuth2AuthorizedClientManager.class, TokenRefreshOAuth2AuthorizedClientManager.class);
        });
    }

    @Test
    void nonWebWithWebFluxButNoReactorNettyStillDefinesTheReactiveManager() {
        nonWeb(REACTOR_NETTY).run(context -> {
            assertStarted(context);
            assertWrapped(context, ReactiveOAuth2AuthorizedClientManager.class,
                ReactiveTokenRefreshOAuth2AuthorizedClientManager.class);
        });
    }

    @Test
    void nonWebWithoutReactorHasTheImperativeManagerOnly() {
        nonWeb(REACTOR, WEBFLUX).run(context -> {
            assertStarted(context);
            assertWrapped(context, OAuth2AuthorizedClientManager.class, TokenRefreshOAuth2AuthorizedClientManager.class);
            assertThat(context).doesNotHaveBean(ReactiveOAuth2AuthorizedClientManager.class);
        });
    }

    @Test
    void withoutSpringsRestClientNoImperativeManagerIsDefined() {
        nonWeb("org.springframework.web.client.RestClient").run(context -> {
            assertStarted(context);
            assertThat(context).doesNotHaveBean(OAuth2AuthorizedClientManager.class);
        });
    }

    @Test
    void withoutSpringSecurityOnlyTheRegistryAndItsMeters() {
        nonWeb(OAUTH2_CLIENT, "org.springframework.security").run(context -> {
            assertStarted(context);
            assertThat(context).doesNotHaveBean(OAuth2AuthorizedClientManager.class);
            assertThat(context).doesNotHaveBean(StaleAwareAuthorizationFailureHandler.class);
            assertThat(context).hasSingleBean(TaggedTokenRefreshMetrics.class);
        });
    }

    @Test
    void theCoreAloneGivesTheRegistryAndNothingElse() {
        nonWeb(OAUTH2_CLIENT, "org.springframework.security", REACTOR, WEBFLUX, MICROMETER,
            TOKENREFRESH4J_MICROMETER, ACTUATOR, HEALTH).run(context -> {
                assertStarted(context);
                assertThat(context).doesNotHaveBean(OAuth2AuthorizedClientManager.class);
                assertThat(context).doesNotHaveBean(TaggedTokenRefreshMetrics.class);
                assertThat(context).doesNotHaveBean(TokenRefreshEndpoint.class);
                assertThat(context).doesNotHaveBean(TokenRefreshHealthIndicator.class);
            });
    }

    @Test
    void micrometerWithoutTheMicrometerModuleOrTheModuleWithoutMicrometerBindsNothing() {
        nonWeb(TOKENREFRESH4J_MICROMETER).run(context -> {
            assertStarted(context);
            assertThat(context).doesNotHaveBean(TaggedTokenRefreshMetrics.class);
        });
        nonWeb(MICROMETER).run(context -> {
            assertStarted(context);
            assertThat(context).doesNotHaveBean(TaggedTokenRefreshMetrics.class);
            assertThat(context).doesNotHaveBean(SpringSecurityTokenRequestMetrics.class);
        });
    }

    @Test
    void servletApplicationWithTheActuatorHasTheEndpointAndTheWrappedManager() {
        new WebApplicationContextRunner().withConfiguration(STARTER)
            .withConfiguration(AutoConfigurations.of(EndpointAutoConfiguration.class,
                WebEndpointAutoConfiguration.class, HealthContributorAutoConfiguration.class))
            .withPropertyValues(CLIENT_REGISTRATION)
            .withPropertyValues("management.endpoints.web.exposure.include=tokenrefreshes")
            .run(context -> {
                assertStarted(context);
                assertThat(context).hasSingleBean(TokenRefreshEndpoint.class);
                assertWrapped(context, OAuth2AuthorizedClientManager.class, TokenRefreshOAuth2AuthorizedClientManager.class);
            });
    }

    @Test
    void theEndpointListsClientRegistrationsWithTheirSettingsFromStartupAndAnUnmatchedInstanceIsWarnedOf() {
        java.util.List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(
            "io.github.tokenrefresh4j.springboot.security.ClientRegistrationsAtStartup");
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                warnings.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(handler);
        try {
            new WebApplicationContextRunner().withConfiguration(STARTER)
                .withConfiguration(AutoConfigurations.of(EndpointAutoConfiguration.class,
                    WebEndpointAutoConfiguration.class))
                .withPropertyValues(CLIENT_REGISTRATION)
                .withPropertyValues("management.endpoints.web.exposure.include=tokenrefreshes",
                    "tokenrefresh4j.instances.orders.refresh-timeout=7s",
                    "tokenrefresh4j.instances.ordrs.refresh-timeout=7s")
                .run(context -> {
                    assertStarted(context);
                    // before any call
                    assertThat(context.getBean(TokenRefreshEndpoint.class).tokenRefreshes().tokenRefreshes())
                        .singleElement().satisfies(orders -> {
                            assertThat(orders.name()).isEqualTo("orders");
                            assertThat(orders.settings().refreshTimeout()).isEqualTo(java.time.Duration.ofSeconds(7));
                        });
                    // a configured instance no code has created yet is listed with its settings too
                    assertThat(context.getBean(TokenRefreshEndpoint.class).tokenRefreshes().configuredNotCreated())
                        .singleElement().satisfies(ordrs -> {
                            assertThat(ordrs.name()).isEqualTo("ordrs");
                            assertThat(ordrs.settings().refreshTimeout()).isEqualTo(java.time.Duration.ofSeconds(7));
                        });
                    assertThat(warnings).singleElement().asString()
                        .contains("tokenrefresh4j.instances.ordrs", "matches no Spring Security client registration");
                });
        } finally {
            log.removeHandler(handler);
        }
    }

    @Test
    void theHealthIndicatorIsOptIn() {
        // issue 22 #7: one failing token endpoint must not turn the application DOWN unless asked to
        WebApplicationContextRunner runner = new WebApplicationContextRunner().withConfiguration(STARTER)
            .withConfiguration(AutoConfigurations.of(HealthContributorAutoConfiguration.class))
            .withPropertyValues(CLIENT_REGISTRATION);
        runner.run(context -> {
            assertStarted(context);
            assertThat(context).doesNotHaveBean(TokenRefreshHealthIndicator.class);
        });
        runner.withPropertyValues("management.health.tokenrefresh.enabled=true").run(context -> {
            assertStarted(context);
            assertThat(context).hasSingleBean(TokenRefreshHealthIndicator.class);
        });
    }

    @Test
    void servletApplicationWithoutTheActuatorHasNoEndpointNorHealth() {
        new WebApplicationContextRunner().withConfiguration(STARTER)
            .withClassLoader(new FilteredClassLoader(ACTUATOR, HEALTH))
            .withPropertyValues(CLIENT_REGISTRATION)
            .run(context -> {
                assertStarted(context);
                assertThat(context).doesNotHaveBean(TokenRefreshEndpoint.class);
                assertThat(context).doesNotHaveBean(TokenRefreshHealthIndicator.class);
            });
    }

    @Test
    void reactiveApplicationHasTheReactiveManagerWrapped() {
        new ReactiveWebApplicationContextRunner().withConfiguration(STARTER)
            .withPropertyValues(CLIENT_REGISTRATION)
            .run(context -> {
                assertStarted(context);
                assertWrapped(context, ReactiveOAuth2AuthorizedClientManager.class,
                ReactiveTokenRefreshOAuth2AuthorizedClientManager.class);
            });
    }

    @Test
    void aManagerDeclaredAndInjectedByItsConcreteClassStillWorks() {
        // issue 22 #6: adding the starter never breaks a working application
        nonWeb().withUserConfiguration(ConcreteManagerConfiguration.class).run(context -> {
            assertStarted(context);
            assertThat(context).getBean(ConcreteManagerConsumer.class).extracting(consumer -> consumer.manager)
                .isInstanceOf(AuthorizedClientServiceOAuth2AuthorizedClientManager.class);
        });
    }

    @Test
    void aManagerDeclaredByTheInterfaceIsWrapped() {
        nonWeb().withUserConfiguration(InterfaceManagerConfiguration.class).run(context -> {
            assertStarted(context);
            assertThat(context).getBean("ownManager")
                .isInstanceOf(TokenRefreshOAuth2AuthorizedClientManager.class);
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class ConcreteManagerConfiguration {
        @Bean
        AuthorizedClientServiceOAuth2AuthorizedClientManager ownManager(ClientRegistrationRepository registrations,
                                                                        OAuth2AuthorizedClientService clients) {
            return new AuthorizedClientServiceOAuth2AuthorizedClientManager(registrations, clients);
        }

        @Bean
        ConcreteManagerConsumer consumer(AuthorizedClientServiceOAuth2AuthorizedClientManager manager) {
            return new ConcreteManagerConsumer(manager);
        }
    }

    record ConcreteManagerConsumer(AuthorizedClientServiceOAuth2AuthorizedClientManager manager) {
    }

    @Configuration(proxyBeanMethods = false)
    static class InterfaceManagerConfiguration {
        @Bean
        OAuth2AuthorizedClientManager ownManager(ClientRegistrationRepository registrations,
                                                 OAuth2AuthorizedClientService clients) {
            return new AuthorizedClientServiceOAuth2AuthorizedClientManager(registrations, clients);
        }
    }

    @Test
    void springSecurityIntegrationOffLeavesSpringsBeansAlone() {
        nonWeb().withPropertyValues("tokenrefresh4j.spring-security.enabled=false").run(context -> {
            assertStarted(context);
            assertThat(context).doesNotHaveBean(TokenRefreshOAuth2AuthorizedClientManager.class);
            assertThat(context).doesNotHaveBean(StaleAwareAuthorizationFailureHandler.class);
        });
    }

    /** The one bean of {@code type} is the starter's {@code wrapper}. */
    private static void assertWrapped(org.springframework.context.ApplicationContext context, Class<?> type,
                                      Class<?> wrapper) {
        assertThat(context.getBean(type)).isInstanceOf(wrapper);
    }

    private static void assertStarted(
        org.springframework.boot.test.context.assertj.ApplicationContextAssertProvider<?> context) {
        assertThat(context).hasNotFailed();
        assertThat(context).hasSingleBean(TokenRefreshRegistry.class);
    }
}
