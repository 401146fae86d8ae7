package io.github.tokenrefresh4j.internal;

import io.github.resilience4j.core.functions.CheckedFunction;
import io.github.tokenrefresh4j.AccessToken;

import java.util.function.Predicate;

/**
 * Carries an attempt's outcome out of a decorated call without a verdict: the decorator neither accepts the token
 * (as it does for any outcome that is not a rejection) nor rejects it. For an outcome that says nothing about the
 * token yet, whose verdict was already given elsewhere, or whose request cannot be sent again. It extends
 * {@link Throwable} directly so that a {@code refreshOnException} written for exceptions never matches it; it carries
 * no message and no stack trace. Used by the adapters ({@code BearerExchange}, the OkHttp module); not public API.
 */
public final class Unjudged extends Throwable {
    private static final long serialVersionUID = 1L;

    @SuppressWarnings("serial")
    private final transient Object outcome;

    /** @param outcome the attempt's outcome, handed back to the caller as it is */
    public Unjudged(Object outcome) {
        super(null, null, false, false);
        this.outcome = outcome;
    }

    /** @return the attempt's outcome */
    public Object outcome() {
        return outcome;
    }

    /**
     * An attempt for a request that cannot be sent twice: a rejection comes out {@code Unjudged}, so the decorator
     * neither retries it nor takes a verdict from it; any other outcome is returned, and accepts the token.
     *
     * @param rejection the decorator's {@code refreshOnResult}
     * @param attempt   sends the request once with a token
     * @param <R>       the attempt's outcome
     * @return the attempt to decorate
     */
    public static <R> CheckedFunction<AccessToken, R> onRejection(Predicate<Object> rejection,
                                                                  CheckedFunction<AccessToken, R> attempt) {
        return token -> {
            R outcome = attempt.apply(token);
            if (rejection.test(outcome)) {
                throw new Unjudged(outcome);
            }
            return outcome;
        };
    }
}
