package io.github.tokenrefresh4j.micrometer;

import io.github.resilience4j.core.Registry;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.TokenRefresher;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Pins down the races between {@code bindTo}'s sweep over a snapshot of the registry and entry events: the
 * snapshot is taken, then the registry changes, then the sweep binds.
 */
class BindingSweepTest {

    private final MeterRegistry meterRegistry = new SimpleMeterRegistry();
    private final TokenRefreshRegistry delegate = TokenRefreshRegistry.ofDefaults();

    @Test
    void entryRemovedAfterTheSnapshotIsNotBound() {
        delegate.tokenRefresh("orders-api", current -> AccessToken.of("secret"));
        TokenRefreshRegistry registry = new ChangingAfterSnapshot(delegate, () -> delegate.remove("orders-api"));

        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);

        assertThat(meterRegistry.getMeters()).isEmpty();
    }

    @Test
    void entryReplacedAfterTheSnapshotIsBoundAsItsReplacement() {
        TokenRefreshDecorator old = delegate.tokenRefresh("orders-api", current -> AccessToken.of("old"));
        TokenRefreshDecorator replacement = TokenRefreshDecorator.ofDefaults("orders-api",
            current -> AccessToken.of("new"));
        TokenRefreshRegistry registry = new ChangingAfterSnapshot(delegate,
            () -> delegate.replace("orders-api", replacement));

        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);
        old.executeFunction(AccessToken::value);

        assertThat(meterRegistry.getMeters()).hasSize(18);
        assertThat(meterRegistry.get("tokenrefresh.refreshes").tag("kind", "successful").functionCounter().count())
            .isZero();
        replacement.executeFunction(AccessToken::value);
        await().untilAsserted(() -> assertThat(meterRegistry.get("tokenrefresh.refresh.duration")
            .tag("kind", "successful").tag("reason", "initial").timer().count())
            .isEqualTo(1));
    }

    @Test
    void entryAddedAfterTheSnapshotIsBoundOnce() {
        TokenRefreshRegistry registry = new ChangingAfterSnapshot(delegate,
            () -> delegate.tokenRefresh("late-api", current -> AccessToken.of("secret")));

        TaggedTokenRefreshMetrics.ofTokenRefreshRegistry(registry).bindTo(meterRegistry);
        delegate.tokenRefresh("late-api", current -> AccessToken.of("unused")).executeFunction(AccessToken::value);

        assertThat(meterRegistry.getMeters()).hasSize(18);
        await().untilAsserted(() -> assertThat(meterRegistry.get("tokenrefresh.refresh.duration")
            .tag("kind", "successful").tag("reason", "initial").timer().count())
            .isEqualTo(1));
    }

    /** A registry whose snapshot is taken before {@code change} runs. */
    private static final class ChangingAfterSnapshot implements TokenRefreshRegistry {

        private final TokenRefreshRegistry delegate;
        private final Runnable change;

        ChangingAfterSnapshot(TokenRefreshRegistry delegate, Runnable change) {
            this.delegate = delegate;
            this.change = change;
        }

        @Override
        public Set<TokenRefreshDecorator> getAllTokenRefreshes() {
            Set<TokenRefreshDecorator> snapshot = delegate.getAllTokenRefreshes();
            change.run();
            return snapshot;
        }

        @Override
        public TokenRefreshDecorator tokenRefresh(String name, TokenRefresher refresher) {
            return delegate.tokenRefresh(name, refresher);
        }

        @Override
        public TokenRefreshDecorator tokenRefresh(String name, TokenRefresher refresher, Map<String, String> tags) {
            return delegate.tokenRefresh(name, refresher, tags);
        }

        @Override
        public TokenRefreshDecorator tokenRefresh(String name, TokenRefreshConfig config, TokenRefresher refresher) {
            return delegate.tokenRefresh(name, config, refresher);
        }

        @Override
        public TokenRefreshDecorator tokenRefresh(String name, String configName, TokenRefresher refresher) {
            return delegate.tokenRefresh(name, configName, refresher);
        }

        @Override
        public void addConfiguration(String configName, TokenRefreshConfig configuration) {
            delegate.addConfiguration(configName, configuration);
        }

        @Override
        public Optional<TokenRefreshDecorator> find(String name) {
            return delegate.find(name);
        }

        @Override
        public Optional<TokenRefreshDecorator> remove(String name) {
            return delegate.remove(name);
        }

        @Override
        public Optional<TokenRefreshDecorator> replace(String name, TokenRefreshDecorator newEntry) {
            return delegate.replace(name, newEntry);
        }

        @Override
        public Optional<TokenRefreshConfig> getConfiguration(String configName) {
            return delegate.getConfiguration(configName);
        }

        @Override
        public TokenRefreshConfig getDefaultConfig() {
            return delegate.getDefaultConfig();
        }

        @Override
        public Map<String, String> getTags() {
            return delegate.getTags();
        }

        @Override
        public Registry.EventPublisher<TokenRefreshDecorator> getEventPublisher() {
            return delegate.getEventPublisher();
        }

        @Override
        public TokenRefreshConfig removeConfiguration(String configName) {
            return delegate.removeConfiguration(configName);
        }
    }
}
