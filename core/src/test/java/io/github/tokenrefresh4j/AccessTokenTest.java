package io.github.tokenrefresh4j;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AccessTokenTest {

    @Test
    void nullValueIsRefusedNamingTheParameter() {
        assertThatThrownBy(() -> AccessToken.of(null)).isInstanceOf(NullPointerException.class)
            .hasMessage("value must not be null");
        assertThatThrownBy(() -> AccessToken.of("v", null)).isInstanceOf(NullPointerException.class)
            .hasMessage("expiresAt must not be null");
        assertThatThrownBy(() -> AccessToken.of("v").withRefreshToken(null))
            .isInstanceOf(NullPointerException.class).hasMessage("refreshToken must not be null");
    }

    @Test
    void carriesValueExpiryAndRefreshToken() {
        Instant expiry = Instant.parse("2026-01-01T00:00:00Z");
        AccessToken token = AccessToken.of("secret-value", expiry).withRefreshToken("secret-refresh");

        assertThat(token.value()).isEqualTo("secret-value");
        assertThat(token.expiresAt()).contains(expiry);
        assertThat(token.refreshToken()).contains("secret-refresh");
        assertThat(AccessToken.of("v").expiresAt()).isEmpty();
        assertThat(AccessToken.of("v").refreshToken()).isEmpty();
    }

    @Test
    void toStringNeverShowsTheSecrets() {
        AccessToken token = AccessToken.of("secret-value", Instant.parse("2026-01-01T00:00:00Z"))
            .withRefreshToken("secret-refresh");

        assertThat(token.toString()).doesNotContain("secret").contains("2026-01-01T00:00:00Z");
    }

    @Test
    void equalTokensHaveEqualParts() {
        Instant expiry = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(AccessToken.of("a", expiry)).isEqualTo(AccessToken.of("a", expiry))
            .hasSameHashCodeAs(AccessToken.of("a", expiry))
            .isNotEqualTo(AccessToken.of("a"))
            .isNotEqualTo(AccessToken.of("a", expiry).withRefreshToken("r"));
    }
}
