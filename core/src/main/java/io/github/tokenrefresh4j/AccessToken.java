package io.github.tokenrefresh4j;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable access token: the secret value a call presents, when it expires if known, and the refresh token
 * that may obtain the next one.
 *
 * <pre>{@code
 * AccessToken token = AccessToken.of(json.accessToken(), Instant.now().plusSeconds(json.expiresIn()))
 *     .withRefreshToken(json.refreshToken());
 * }</pre>
 *
 * <p>Neither secret ever leaves this object by accident: {@link #toString()} shows only whether they are present
 * and when the token expires. Two tokens are equal when their value, expiry and refresh token are equal; the
 * decorator itself tells tokens apart by identity, so a refresher should return a new instance for every token it
 * obtains.
 */
public final class AccessToken {

    private final String value;
    private final Instant expiresAt;
    private final String refreshToken;

    private AccessToken(String value, Instant expiresAt, String refreshToken) {
        this.value = Objects.requireNonNull(value, "value must not be null");
        this.expiresAt = expiresAt;
        this.refreshToken = refreshToken;
    }

    /**
     * A token whose expiry is unknown: the decorator replaces it only when a call reports it rejected, or when
     * {@link TokenRefreshDecorator#invalidate()} is called.
     *
     * @param value the secret value, never null
     * @return the token
     */
    public static AccessToken of(String value) {
        return new AccessToken(value, null, null);
    }

    /**
     * A token that expires at {@code expiresAt}: the decorator refreshes it ahead of that instant and does not hand
     * it out after it (after a host suspend, for at most about a second; see {@link TokenRefreshDecorator}). Any
     * instant is accepted, {@link Instant#MAX} included.
     *
     * @param value     the secret value, never null
     * @param expiresAt when the token stops being valid, never null
     * @return the token
     */
    public static AccessToken of(String value, Instant expiresAt) {
        return new AccessToken(value, Objects.requireNonNull(expiresAt, "expiresAt must not be null"), null);
    }

    /**
     * Returns a copy of this token that carries {@code refreshToken}.
     *
     * @param refreshToken the refresh token, never null
     * @return a new token
     */
    public AccessToken withRefreshToken(String refreshToken) {
        return new AccessToken(value, expiresAt,
            Objects.requireNonNull(refreshToken, "refreshToken must not be null"));
    }

    /** @return the secret value to present, for example in an {@code Authorization: Bearer} header */
    public String value() {
        return value;
    }

    /** @return when the token expires, if known */
    public Optional<Instant> expiresAt() {
        return Optional.ofNullable(expiresAt);
    }

    /** @return the refresh token that came with this token, if any */
    public Optional<String> refreshToken() {
        return Optional.ofNullable(refreshToken);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof AccessToken)) {
            return false;
        }
        AccessToken that = (AccessToken) o;
        return value.equals(that.value)
            && Objects.equals(expiresAt, that.expiresAt)
            && Objects.equals(refreshToken, that.refreshToken);
    }

    @Override
    public int hashCode() {
        return Objects.hash(value, expiresAt, refreshToken);
    }

    /** Never shows the token value or the refresh token. */
    @Override
    public String toString() {
        return "AccessToken{value=<redacted>, expiresAt=" + (expiresAt == null ? "unknown" : expiresAt)
            + ", refreshToken=" + (refreshToken == null ? "absent" : "<redacted>") + '}';
    }
}
