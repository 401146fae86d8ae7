package io.github.tokenrefresh4j.springboot;

import io.github.tokenrefresh4j.TokenRefreshConfig;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Customizes the configuration of one named config or instance, after the properties, for what properties cannot
 * say (predicates, a clock, an executor). Declare it as a bean:
 *
 * <pre>{@code
 * @Bean
 * TokenRefreshConfigCustomizer ordersApi() {
 *     return TokenRefreshConfigCustomizer.of("orders-api", builder -> builder
 *         .refreshOnResult(result -> result instanceof ResponseEntity<?> r && r.getStatusCode().value() == 401));
 * }
 * }</pre>
 */
public interface TokenRefreshConfigCustomizer {

    /** Changes the builder of the config or instance {@link #name()}. */
    void customize(TokenRefreshConfig.Builder configBuilder);

    /** @return the name of the config or instance it customizes */
    String name();

    /** @return a customizer of {@code name} that hands the builder to {@code consumer} */
    static TokenRefreshConfigCustomizer of(String name, Consumer<TokenRefreshConfig.Builder> consumer) {
        Objects.requireNonNull(name, "name must not be null");
        Objects.requireNonNull(consumer, "consumer must not be null");
        return new TokenRefreshConfigCustomizer() {
            @Override
            public void customize(TokenRefreshConfig.Builder configBuilder) {
                consumer.accept(configBuilder);
            }

            @Override
            public String name() {
                return name;
            }
        };
    }
}
