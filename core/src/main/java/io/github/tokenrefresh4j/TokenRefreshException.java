package io.github.tokenrefresh4j;

/**
 * Thrown to a call that needed a new token and could not get one: the refresh failed, timed out, was refused
 * during the failure cooldown, or the call was interrupted while it waited. The refresher's own exception, if any,
 * is in the cause chain.
 *
 * <p>The message says what happened and what happens next, and never contains a token value.
 */
public class TokenRefreshException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened, without any token value
     * @param cause   the refresher's exception, or null
     */
    public TokenRefreshException(String message, Throwable cause) {
        super(message, cause);
    }
}
