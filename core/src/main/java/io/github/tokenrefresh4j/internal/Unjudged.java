package io.github.tokenrefresh4j.internal;

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
}
