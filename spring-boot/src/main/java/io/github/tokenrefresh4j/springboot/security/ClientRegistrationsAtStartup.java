package io.github.tokenrefresh4j.springboot.security;

import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.springboot.TokenRefreshProperties;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.logging.Logger;

/**
 * At startup, gives every client registration of an iterable {@link ClientRegistrationRepository} (Boot's) its
 * decorator in the registry, so that the {@code tokenrefreshes} endpoint, the meters and the health list them from
 * the start rather than after the first call, and names in a WARN every {@code tokenrefresh4j.instances.<name>}
 * that matches no client registration (a typo, or an instance only the application's own code creates).
 */
final class ClientRegistrationsAtStartup implements SmartInitializingSingleton {

    private static final Logger LOG = Logger.getLogger(ClientRegistrationsAtStartup.class.getName());

    private final ClientRegistrationRepository registrations;
    private final TokenRefreshRegistry registry;
    private final TokenRefreshProperties properties;

    ClientRegistrationsAtStartup(ClientRegistrationRepository registrations, TokenRefreshRegistry registry,
                                 TokenRefreshProperties properties) {
        this.registrations = registrations;
        this.registry = registry;
        this.properties = properties;
    }

    @Override
    public void afterSingletonsInstantiated() {
        if (!(registrations instanceof Iterable<?> all)) {
            return; // a repository that cannot list its registrations: they appear with their first call
        }
        Set<String> ids = new LinkedHashSet<>();
        for (Object registration : all) {
            if (registration instanceof ClientRegistration clientRegistration) {
                ids.add(clientRegistration.getRegistrationId());
                RegistrationMonitor.of(registry, clientRegistration.getRegistrationId());
            }
        }
        for (String instance : properties.getInstances().keySet()) {
            if (!ids.contains(instance) && registry.find(instance).isEmpty()) {
                LOG.warning("tokenrefresh4j: " + TokenRefreshProperties.PREFIX + ".instances." + instance
                    + " matches no Spring Security client registration " + ids + "; it applies only to a"
                    + " decorator the application creates with registry.tokenRefresh(\"" + instance + "\", ...)."
                    + " Check its spelling.");
            }
        }
    }
}
