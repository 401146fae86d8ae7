package io.github.tokenrefresh4j.springboot;

import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefresher;

import java.util.function.BiFunction;

/**
 * How the starter's registry creates each decorator: as it is ({@link #PLAIN}), or observed, when
 * {@link TokenRefreshObservationAutoConfiguration} applies. Only JDK and core types, so that the registry loads
 * without the optional Micrometer jars.
 */
@FunctionalInterface
interface DecoratorCreation {

    DecoratorCreation PLAIN = (name, config, refresher, create) -> create.apply(config, refresher);

    /**
     * @param create builds the decorator from the configuration and refresher it is given (an existing registry
     *               entry is returned as it is)
     */
    TokenRefreshDecorator create(String name, TokenRefreshConfig config, TokenRefresher refresher,
                                 BiFunction<TokenRefreshConfig, TokenRefresher, TokenRefreshDecorator> create);
}
