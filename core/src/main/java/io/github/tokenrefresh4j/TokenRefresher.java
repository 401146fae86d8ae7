package io.github.tokenrefresh4j;

/**
 * Obtains a new access token, typically by calling an OAuth2 token endpoint.
 *
 * <pre>{@code
 * TokenRefresher refresher = current -> current == null || current.refreshToken().isEmpty()
 *     ? tokenClient.clientCredentials()
 *     : tokenClient.refresh(current.refreshToken().get());
 * }</pre>
 *
 * <p>A {@link TokenRefreshDecorator} calls its refresher at most once at a time (apart from a call it abandoned
 * after its refresh timeout), on its refresh executor, never on a caller's thread. The refresher may block. It
 * should not call through its own decorator: such a call fails fast.
 */
@FunctionalInterface
public interface TokenRefresher {

    /**
     * Obtains a new token.
     *
     * @param current the token being replaced, or null for the first acquisition. It may have been rejected or
     *                expired; its refresh token, if any, is the one to present.
     * @return the new token; never null, and not already expired
     * @throws Exception when no token could be obtained. Every call waiting for this refresh then fails with a
     *                   {@link TokenRefreshException} that has this exception as its cause.
     */
    AccessToken refresh(AccessToken current) throws Exception;
}
