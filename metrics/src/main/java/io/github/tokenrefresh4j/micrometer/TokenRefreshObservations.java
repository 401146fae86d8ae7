package io.github.tokenrefresh4j.micrometer;

import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import io.github.tokenrefresh4j.TokenRefresher;
import io.micrometer.observation.ObservationRegistry;

import java.util.Map;
import java.util.Objects;

/**
 * Micrometer {@code Observation}s of token refreshes, so that a trace shows why a request was slow: each refresher
 * call is an observation named {@value #REFRESH_OBSERVATION}, and each call that waited for a refresh another call
 * started is an observation named {@value #WAIT_OBSERVATION}, as long as it waited.
 *
 * <pre>{@code
 * TokenRefreshObservations observations = TokenRefreshObservations.of(observationRegistry);
 * TokenRefreshDecorator tokens = observations.decorator("orders-api", TokenRefreshConfig.ofDefaults(), refresher);
 * // or through a registry, with the registry's default configuration:
 * TokenRefreshDecorator orders = observations.tokenRefresh(tokenRefreshRegistry, "orders-api", refresher);
 * }</pre>
 *
 * <ul>
 *   <li>The refresh observation is started in the context of the call that triggered it, so with micrometer-tracing
 *       its span is a child of that call's span although it runs on the refresh executor; the refresher's own
 *       observations (its HTTP call to the token endpoint) are children of it. A background refresh-ahead is its
 *       own root: no request waits for it.</li>
 *   <li>Low-cardinality keys: {@value #NAME_KEY} (the decorator's name), {@value #OUTCOME_KEY}
 *       ({@code successful}, {@code failed}) and, on the refresh, {@value #REASON_KEY} ({@code initial},
 *       {@code expired}, {@code ahead}, {@code rejected}, {@code invalidated}), the values of the meters' tags.
 *       Nothing carries a token value, nor the refresher's exception (whose message is the refresher's own).</li>
 *   <li>The call that started a refresh waits in the refresh itself; the other waiting calls each get a wait
 *       observation in their own context (64 concurrent calls on an expired token: one refresh, 63 waits).</li>
 *   <li>Nothing changes on the hot path: a call with a valid token touches none of this. With
 *       {@link ObservationRegistry#NOOP} the decorator is built exactly as without observations.</li>
 * </ul>
 *
 * <p>How it works, with no hook in the decorator: the decorator's {@code refreshExecutor} is wrapped so that the
 * context of the call that hands a refresh to it is captured, its refresher is wrapped to run in the observation,
 * and its events give the outcome, the reason and the waits. Limits that follow: the parent is chosen when the
 * refresher starts, from the token it replaces (not expired, not rejected, within {@code refreshAhead} of its
 * expiry: a refresh-ahead), so a refresh after {@code invalidate()} of a token already in its refresh-ahead window
 * is traced as a root too (its {@value #REASON_KEY} key still says {@code invalidated}); a call that joins a
 * refresh in the very instant it ends records a wait of about zero; a call that stops waiting early (cancelled,
 * interrupted) keeps its wait open until the refresh ends, at most {@code refreshTimeout}; the parent is the
 * caller's current {@code Observation}, so a span started with the {@code Tracer} alone is not one.
 */
public final class TokenRefreshObservations {

    /** The name of the observation of one refresher call. */
    public static final String REFRESH_OBSERVATION = "tokenrefresh.refresh";
    /** The name of the observation of one call's wait for a refresh another call started. */
    public static final String WAIT_OBSERVATION = "tokenrefresh.wait";
    /** The decorator's name. */
    public static final String NAME_KEY = "name";
    /** {@code successful} or {@code failed}. */
    public static final String OUTCOME_KEY = "outcome";
    /** Why the refresh ran: {@code initial}, {@code expired}, {@code ahead}, {@code rejected}, {@code invalidated}. */
    public static final String REASON_KEY = "reason";

    private final ObservationRegistry registry;

    private TokenRefreshObservations(ObservationRegistry registry) {
        this.registry = registry;
    }

    /**
     * @param observationRegistry where the observations go; {@link ObservationRegistry#NOOP} observes nothing
     * @return observations for decorators built through it
     * @throws NullPointerException if {@code observationRegistry} is null
     */
    public static TokenRefreshObservations of(ObservationRegistry observationRegistry) {
        return new TokenRefreshObservations(
            Objects.requireNonNull(observationRegistry, "observationRegistry must not be null"));
    }

    /**
     * Builds a decorator as {@link TokenRefreshDecorator#of(String, TokenRefreshConfig, TokenRefresher)} does, with
     * its refreshes and waits observed.
     *
     * @throws NullPointerException naming the parameter that is null
     */
    public TokenRefreshDecorator decorator(String name, TokenRefreshConfig config, TokenRefresher refresher) {
        return decorator(name, config, refresher, Map.of());
    }

    /**
     * Builds a decorator as {@link TokenRefreshDecorator#of(String, TokenRefreshConfig, TokenRefresher, Map)} does,
     * with its refreshes and waits observed.
     *
     * @throws NullPointerException naming the parameter that is null
     */
    public TokenRefreshDecorator decorator(String name, TokenRefreshConfig config, TokenRefresher refresher,
                                           Map<String, String> tags) {
        Objects.requireNonNull(tags, "tags must not be null");
        return observe(name, config, refresher, (observedConfig, observedRefresher) ->
            TokenRefreshDecorator.of(name, observedConfig, observedRefresher, tags));
    }

    /**
     * Gets or creates the registry's decorator {@code name} with the registry's default configuration, as
     * {@link TokenRefreshRegistry#tokenRefresh(String, TokenRefresher)} does; a decorator it creates is observed.
     * A decorator that the registry already held is returned as it is.
     *
     * @throws NullPointerException naming the parameter that is null
     */
    public TokenRefreshDecorator tokenRefresh(TokenRefreshRegistry tokenRefreshRegistry, String name,
                                              TokenRefresher refresher) {
        Objects.requireNonNull(tokenRefreshRegistry, "tokenRefreshRegistry must not be null");
        return observe(name, tokenRefreshRegistry.getDefaultConfig(), refresher, (observedConfig, observedRefresher) ->
            tokenRefreshRegistry.tokenRefresh(name, observedConfig, observedRefresher));
    }

    /**
     * The general form, for code that creates decorators its own way (such as a registry wrapper): {@code create}
     * gets the configuration and the refresher to build the decorator with; if the decorator it returns uses them,
     * it is observed, else (an existing registry entry) it is returned as it is.
     *
     * @throws NullPointerException naming the parameter that is null
     */
    public TokenRefreshDecorator observe(String name, TokenRefreshConfig config, TokenRefresher refresher,
                                         DecoratorFactory create) {
        Objects.requireNonNull(name, "name must not be null");
        Objects.requireNonNull(config, "config must not be null");
        Objects.requireNonNull(refresher, "refresher must not be null");
        Objects.requireNonNull(create, "create must not be null");
        // NOOP itself, not isNoop(): a registry whose handlers are added after this decorator is built says true
        // for now; Micrometer then makes each observation a no-op while it has none.
        if (registry == ObservationRegistry.NOOP) {
            return create.create(config, refresher);
        }
        ObservedRefreshes observed = new ObservedRefreshes(registry, name, config);
        TokenRefreshConfig observedConfig = TokenRefreshConfig.from(config)
            .refreshExecutor(observed.executor(config.getRefreshExecutor()))
            .build();
        TokenRefreshDecorator decorator = create.create(observedConfig, observed.refresher(refresher));
        if (decorator.getTokenRefreshConfig().getRefreshExecutor() == observedConfig.getRefreshExecutor()) {
            observed.bindTo(decorator);
        }
        return decorator;
    }

    @Override
    public String toString() {
        return "TokenRefreshObservations{registry=" + registry.getClass().getSimpleName() + '}';
    }

    /** Creates a decorator from the configuration and refresher it is given. */
    @FunctionalInterface
    public interface DecoratorFactory {

        /** @return the decorator, built with {@code config} and {@code refresher} */
        TokenRefreshDecorator create(TokenRefreshConfig config, TokenRefresher refresher);
    }
}
