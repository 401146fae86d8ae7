package io.github.tokenrefresh4j.redis;

import io.github.tokenrefresh4j.TokenRefresher;

import java.util.Objects;
import java.util.Optional;

/**
 * What an instance does when it takes over a refresh that another instance started and never finished: the other
 * instance marked in Redis that it was presenting the shared refresh token, then stopped (killed, crashed, cut off
 * from Redis) before storing the result. Whether the token endpoint already received that refresh token, and
 * rotated it, no one can tell: the new refresh token, if any, died with the instance.
 *
 * <table>
 *   <caption>Which choice fits which server</caption>
 *   <tr><th>token endpoint</th><th>choice</th></tr>
 *   <tr><td>refresh tokens not rotated, or rotated with a reuse grace period (Okta, Auth0's reuse interval,
 *       Keycloak with a refresh-token max reuse above 0)</td><td>{@link #presentSameRefreshToken()}, the default:
 *       the server answers normally</td></tr>
 *   <tr><td>strict rotation with reuse detection (Spring Authorization Server, Keycloak's "revoke refresh
 *       token" with max reuse 0) and a client that may also use another grant</td><td>{@link #fallbackTo(TokenRefresher)},
 *       e.g. a client-credentials refresher: never risks a reuse</td></tr>
 *   <tr><td>strict rotation, no other grant, where revoking the grant is worse than stopping</td><td>{@link
 *       #refuse()}: the fleet fails its refreshes (one attempt per {@code failureCooldown}) until an operator
 *       deletes the key and its in-flight mark and restarts the instances (a running instance writes back the
 *       newest token it has seen, so deleting alone brings the doubtful refresh token back)</td></tr>
 * </table>
 * With {@link #presentSameRefreshToken()} on a strict server, the refresh works if the stopped instance's request
 * never reached the server; if it did, the server answers {@code invalid_grant} and may revoke the grant, and the
 * failure cooldown keeps the fleet at one request per {@code failureCooldown}.
 *
 * <pre>{@code
 * RedisTokenRefresher fleet = RedisTokenRefresher.builder(redisUri, "tokens:orders-api", refreshTokenGrant)
 *     .interruptedRefresh(InterruptedRefreshPolicy.fallbackTo(clientCredentialsGrant))
 *     .build();
 * }</pre>
 */
public final class InterruptedRefreshPolicy {

    /** What the taking-over instance does. */
    public enum Action {
        /** Present the same refresh token; log a WARN and publish an event. */
        PRESENT_SAME_REFRESH_TOKEN,
        /** Present nothing: fail the refresh with a {@link RedisTokenRefreshException}. */
        REFUSE,
        /** Ask the fallback refresher instead, with {@code null} as the current token. */
        FALLBACK
    }

    private static final InterruptedRefreshPolicy SAME = new InterruptedRefreshPolicy(
        Action.PRESENT_SAME_REFRESH_TOKEN, null);
    private static final InterruptedRefreshPolicy REFUSE = new InterruptedRefreshPolicy(Action.REFUSE, null);

    private final Action action;
    private final TokenRefresher fallback;

    private InterruptedRefreshPolicy(Action action, TokenRefresher fallback) {
        this.action = action;
        this.fallback = fallback;
    }

    /** @return the default: present the same refresh token, warn, and publish an event */
    public static InterruptedRefreshPolicy presentSameRefreshToken() {
        return SAME;
    }

    /** @return refuse to present a refresh token that may be spent: the refresh fails until a new token is stored */
    public static InterruptedRefreshPolicy refuse() {
        return REFUSE;
    }

    /**
     * @param fallback a refresher using another grant (client credentials, JWT bearer), called with {@code null}
     * @return ask {@code fallback} instead of presenting the refresh token
     * @throws NullPointerException if {@code fallback} is null
     */
    public static InterruptedRefreshPolicy fallbackTo(TokenRefresher fallback) {
        return new InterruptedRefreshPolicy(Action.FALLBACK, Objects.requireNonNull(fallback,
            "fallback must not be null"));
    }

    /** @return what the taking-over instance does */
    public Action action() {
        return action;
    }

    /** @return the fallback refresher, present with {@link Action#FALLBACK} */
    public Optional<TokenRefresher> fallback() {
        return Optional.ofNullable(fallback);
    }

    @Override
    public String toString() {
        return action.name().toLowerCase(java.util.Locale.ROOT);
    }
}
