package io.github.tokenrefresh4j.springboot;

import io.github.tokenrefresh4j.TokenRefreshConfig;

import java.util.Map;

/**
 * The effective configuration of every {@code tokenrefresh4j.instances.<name>}, created or not: the registry bean
 * of the starter implements it, so the {@code tokenrefreshes} endpoint can show the instances configured but not
 * yet created.
 *
 * <pre>{@code
 * if (tokenRefreshRegistry instanceof ConfiguredInstances configured) {
 *     configured.getInstanceConfigurations().forEach((name, config) -> log.info(name + ": " + config));
 * }
 * }</pre>
 */
public interface ConfiguredInstances {

    /** @return each configured instance's effective configuration (base configs and customizers applied), by name */
    Map<String, TokenRefreshConfig> getInstanceConfigurations();
}
