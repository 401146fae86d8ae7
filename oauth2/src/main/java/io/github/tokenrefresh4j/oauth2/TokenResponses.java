package io.github.tokenrefresh4j.oauth2;

import com.nimbusds.jose.JOSEObject;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.token.Tokens;
import io.github.tokenrefresh4j.AccessToken;
import net.minidev.json.JSONObject;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;

/** Response parsing: turns a token endpoint's answer into an {@link AccessToken}, or a failure. */
final class TokenResponses {

    private final Duration defaultLifetime;
    private final Clock clock;

    TokenResponses(Duration defaultLifetime, Clock clock) {
        this.defaultLifetime = defaultLifetime;
        this.clock = clock;
    }

    /**
     * @param presentedRefreshToken the refresh token the request presented, kept when the answer brings none
     */
    AccessToken parse(HTTPResponse response, Failures failures, String presentedRefreshToken)
        throws TokenEndpointException {
        int status = response.getStatusCode();
        if (status / 100 != 2) {
            throw failures.errorAnswer(response, clock);
        }
        JSONObject json = Failures.jsonOrNull(response.getBody());
        if (json == null) {
            throw failures.invalidAnswer(status, "with " + Failures.bodyKind(response) + ", not a token response",
                "check that the URI is the token endpoint");
        }
        Object type = json.get("token_type");
        if (type instanceof String && !"Bearer".equalsIgnoreCase((String) type)) {
            // A DPoP-bound token (RFC 9449) sent as Bearer is refused or, worse, accepted by a lax resource server.
            throw failures.invalidAnswer(status, "with token_type " + failures.clean((String) type),
                "only Bearer tokens are supported (RFC 6750); register the client for Bearer tokens, not DPoP or "
                    + "another type");
        }
        Tokens tokens;
        try {
            tokens = AccessTokenResponse.parse(json).getTokens();
        } catch (ParseException e) {
            // The parser's message may quote a token, so only what is missing goes into ours.
            throw failures.invalidAnswer(status, "with a JSON body that is not a token response ("
                + missingField(json) + ")", "check that the URI is the token endpoint and the server follows RFC 6749");
        }
        return accessToken(tokens, presentedRefreshToken);
    }

    private static String missingField(JSONObject json) {
        if (!(json.get("access_token") instanceof String)) {
            return "no access_token";
        }
        if (!(json.get("token_type") instanceof String)) {
            return "no token_type";
        }
        return "a field has the wrong type";
    }

    private AccessToken accessToken(Tokens tokens, String presentedRefreshToken) {
        String value = tokens.getAccessToken().getValue();
        Instant now = clock.instant();
        long lifetime = tokens.getAccessToken().getLifetime();
        Instant expiresAt;
        if (lifetime > 0) {
            expiresAt = after(now, Duration.ofSeconds(lifetime));
        } else {
            expiresAt = jwtExpiry(value);
            if (expiresAt == null && defaultLifetime != null) {
                expiresAt = after(now, defaultLifetime);
            }
        }
        AccessToken token = expiresAt == null ? AccessToken.of(value) : AccessToken.of(value, expiresAt);
        String refresh = tokens.getRefreshToken() != null ? tokens.getRefreshToken().getValue() : presentedRefreshToken;
        return refresh == null ? token : token.withRefreshToken(refresh);
    }

    /** @return {@code now + lifetime}, or null (no expiry) when that is past what an Instant holds */
    private static Instant after(Instant now, Duration lifetime) {
        try {
            return now.plus(lifetime);
        } catch (DateTimeException | ArithmeticException e) {
            return null;
        }
    }

    /**
     * @return the {@code exp} claim, or null when the token is no signed or plain JWT, has none, or it is past what
     *         an Instant holds. Read from the payload, not as a {@link java.util.Date}: the SDK multiplies the seconds
     *         by 1000 in a long, which wraps a far-future {@code exp} into the past.
     */
    private static Instant jwtExpiry(String value) {
        try {
            JWT jwt = JWTParser.parse(value);
            if (!(jwt instanceof SignedJWT) && !(jwt instanceof PlainJWT)) {
                return null;
            }
            Object exp = ((JOSEObject) jwt).getPayload().toJSONObject().get("exp");
            return exp instanceof Number ? Instant.ofEpochSecond(((Number) exp).longValue()) : null;
        } catch (java.text.ParseException | RuntimeException e) {
            return null;
        }
    }
}
