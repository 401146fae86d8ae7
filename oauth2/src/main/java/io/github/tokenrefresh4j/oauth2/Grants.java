package io.github.tokenrefresh4j.oauth2;

import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.JWTBearerGrant;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import io.github.tokenrefresh4j.AccessToken;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The grants: which one each refresh uses, and the refresh token rotation of the refresh-token grant (see the
 * class description of {@link OAuth2TokenRefresher}).
 */
final class Grants {

    enum Kind {
        CLIENT_CREDENTIALS("client_credentials"), REFRESH_TOKEN("refresh_token"), JWT_BEARER("jwt-bearer");

        final String shown;

        Kind(String shown) {
            this.shown = shown;
        }
    }

    private static final System.Logger LOG = System.getLogger(OAuth2TokenRefresher.class.getName());
    private static final String INVALID_GRANT = "invalid_grant";

    /**
     * @param latest the refresh token to present when the token being replaced has none; null after one was refused
     *               and the refresher fell back to client credentials, which issued none
     * @param spent  the refresh token the request that gave {@code latest} presented, when that request replaced
     *               it; null when it kept it
     */
    private record Rotation(String latest, String spent) {
    }

    private final Kind kind;
    private final Supplier<String> assertion;
    private final boolean fallbackToClientCredentials;
    private final TokenRequests requests;
    /** The refresh token to present when the token being replaced has none, and the one it replaced. */
    private final AtomicReference<Rotation> rotation;

    Grants(Kind kind, String initialRefreshToken, Supplier<String> assertion, boolean fallbackToClientCredentials,
           TokenRequests requests) {
        this.kind = kind;
        this.assertion = assertion;
        this.fallbackToClientCredentials = fallbackToClientCredentials;
        this.requests = requests;
        this.rotation = new AtomicReference<>(new Rotation(initialRefreshToken, null));
    }

    AccessToken refresh(URI endpoint, AccessToken current) throws TokenEndpointException {
        switch (kind) {
            case CLIENT_CREDENTIALS:
                return clientCredentials(endpoint);
            case JWT_BEARER:
                return requests.request(endpoint, jwtBearerGrant(endpoint), Kind.JWT_BEARER.shown, null);
            default:
                return refreshTokenGrant(endpoint, current);
        }
    }

    private AccessToken clientCredentials(URI endpoint) throws TokenEndpointException {
        return requests.request(endpoint, new ClientCredentialsGrant(), Kind.CLIENT_CREDENTIALS.shown, null);
    }

    private AccessToken refreshTokenGrant(URI endpoint, AccessToken current) throws TokenEndpointException {
        Rotation before = rotation.get();
        String offered = current == null ? null : current.refreshToken().orElse(null);
        // The decorator's token may predate a refresh it abandoned past its refreshTimeout that rotated all the
        // same: a refresh token this refresher saw replaced is spent, and presenting it again is a reuse.
        String presented = offered != null && !offered.equals(before.spent()) ? offered : before.latest();
        AccessToken token;
        if (presented == null) {
            // Only after a refused refresh token, with fallbackToClientCredentials().
            token = clientCredentials(endpoint);
        } else {
            try {
                token = requests.request(endpoint, new RefreshTokenGrant(new RefreshToken(presented)),
                    Kind.REFRESH_TOKEN.shown, presented);
            } catch (TokenEndpointException e) {
                if (!fallbackToClientCredentials || !e.getError().filter(INVALID_GRANT::equals).isPresent()) {
                    throw e;
                }
                LOG.log(System.Logger.Level.WARNING, () -> "refresh token refused (invalid_grant) by "
                    + Failures.display(endpoint) + "; falling back to the client_credentials grant");
                token = clientCredentials(endpoint);
            }
        }
        // Only when no other refresh replaced it meanwhile: a refresh the decorator abandoned past its
        // refreshTimeout may end after the next one, and must not put back the refresh token it presented (or
        // none, after a fallback) over the one the next refresh received.
        String now = token.refreshToken().orElse(null);
        rotation.compareAndSet(before, new Rotation(now, presented != null && !presented.equals(now) ? presented
            : null));
        return token;
    }

    private JWTBearerGrant jwtBearerGrant(URI endpoint) throws TokenEndpointException {
        Failures failures = new Failures("token endpoint " + Failures.display(endpoint), List.of());
        String jwt;
        try {
            jwt = assertion.get();
        } catch (RuntimeException e) {
            throw failures.notSent("the assertion supplier threw " + e.getClass().getName(), e);
        }
        if (jwt == null) {
            throw failures.notSent("the assertion supplier returned null", null);
        }
        try {
            return JWTBearerGrant.parse(Map.of("grant_type", List.of(GrantType.JWT_BEARER.getValue()),
                "assertion", List.of(jwt)));
        } catch (ParseException e) {
            // The parser's message may quote the assertion, so it is left out.
            throw failures.notSent("the assertion supplier returned no signed or encrypted JWT", null);
        }
    }
}
