/**
 * Spring Boot auto-configuration for tokenrefresh4j: a {@link io.github.tokenrefresh4j.TokenRefreshRegistry} built
 * from {@code tokenrefresh4j.*} properties, Micrometer metrics, the {@code tokenrefreshes} actuator endpoint, the
 * {@code tokenrefresh} health indicator, and coalesced token requests for Spring Security's OAuth2 client
 * ({@link io.github.tokenrefresh4j.springboot.security}).
 */
package io.github.tokenrefresh4j.springboot;
