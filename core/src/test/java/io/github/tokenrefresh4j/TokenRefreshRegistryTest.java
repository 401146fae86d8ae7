package io.github.tokenrefresh4j;

import io.github.resilience4j.core.registry.EntryAddedEvent;
import io.github.resilience4j.core.registry.EntryRemovedEvent;
import io.github.resilience4j.core.registry.EntryReplacedEvent;
import io.github.resilience4j.core.registry.RegistryEventConsumer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenRefreshRegistryTest {

    private final TokenRefresher refresher = current -> AccessToken.of("t");

    @Test
    void lookupIsGetOrCreateByName() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        TokenRefreshDecorator first = registry.tokenRefresh("orders", refresher);
        TokenRefreshDecorator second = registry.tokenRefresh("orders", current -> AccessToken.of("other"));

        assertThat(second).isSameAs(first);
        assertThat(registry.getAllTokenRefreshes()).containsExactly(first);
        assertThat(first.getTokenRefreshConfig()).isSameAs(registry.getDefaultConfig());
    }

    @Test
    void namedConfigurationsAreUsedByName() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        TokenRefreshConfig patient = TokenRefreshConfig.custom().refreshTimeout(Duration.ofMinutes(1)).build();
        registry.addConfiguration("patient", patient);

        assertThat(registry.tokenRefresh("slow-api", "patient", refresher).getTokenRefreshConfig())
            .isSameAs(patient);
        assertThatThrownBy(() -> registry.tokenRefresh("x", "missing", refresher))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing");
        assertThatThrownBy(() -> registry.addConfiguration("default", patient))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void registryTagsAndInstanceTagsAreMerged() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.of(TokenRefreshConfig.ofDefaults(),
            Map.of("service", "billing"));
        TokenRefreshDecorator decorator = registry.tokenRefresh("orders", refresher, Map.of("team", "a"));

        assertThat(decorator.getTags()).containsOnly(Map.entry("service", "billing"), Map.entry("team", "a"));
    }

    @Test
    void publishesEntryAddedRemovedAndReplacedEvents() {
        List<String> seen = new ArrayList<>();
        TokenRefreshRegistry registry = TokenRefreshRegistry.of(TokenRefreshConfig.ofDefaults(),
            new RegistryEventConsumer<TokenRefreshDecorator>() {
                @Override
                public void onEntryAddedEvent(EntryAddedEvent<TokenRefreshDecorator> event) {
                    seen.add("added " + event.getAddedEntry().getName());
                }

                @Override
                public void onEntryRemovedEvent(EntryRemovedEvent<TokenRefreshDecorator> event) {
                    seen.add("removed " + event.getRemovedEntry().getName());
                }

                @Override
                public void onEntryReplacedEvent(EntryReplacedEvent<TokenRefreshDecorator> event) {
                    seen.add("replaced " + event.getOldEntry().getName());
                }
            });

        registry.tokenRefresh("orders", refresher);
        registry.tokenRefresh("orders", refresher);
        registry.replace("orders", TokenRefreshDecorator.ofDefaults("orders", refresher));
        registry.remove("orders");

        assertThat(seen).containsExactly("added orders", "replaced orders", "removed orders");
    }

    @Test
    void consumerGivenAtConstructionThatThrowsDoesNotStopTheRegistration() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.of(TokenRefreshConfig.ofDefaults(),
            new RegistryEventConsumer<TokenRefreshDecorator>() {
                @Override
                public void onEntryAddedEvent(EntryAddedEvent<TokenRefreshDecorator> event) {
                    throw new IllegalStateException("meter registry down");
                }

                @Override
                public void onEntryRemovedEvent(EntryRemovedEvent<TokenRefreshDecorator> event) {
                }

                @Override
                public void onEntryReplacedEvent(EntryReplacedEvent<TokenRefreshDecorator> event) {
                }
            });

        TokenRefreshDecorator decorator = registry.tokenRefresh("orders", refresher);

        assertThat(registry.find("orders")).containsSame(decorator);
    }

    @Test
    void nullArgumentsAreRefusedNamingTheParameter() {
        TokenRefreshRegistry registry = TokenRefreshRegistry.ofDefaults();
        assertThatThrownBy(() -> registry.tokenRefresh(null, refresher)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> registry.tokenRefresh("n", (TokenRefresher) null))
            .hasMessage("refresher must not be null");
        assertThatThrownBy(() -> registry.tokenRefresh("n", (String) null, refresher))
            .hasMessage("configName must not be null");
        assertThatThrownBy(() -> TokenRefreshRegistry.of(null)).hasMessage("defaultConfig must not be null");
    }
}
