package io.github.tokenrefresh4j;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BearerChallengeTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "Bearer error=\"invalid_token\"",
        "Bearer error=invalid_token",
        "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The access token expired\"",
        "bearer error=\"invalid_token\"",
        "BEARER ERROR=\"invalid_token\"",
        "Bearer   error = \"invalid_token\"",
        "Bearer\terror=\"invalid_token\"",
        "Basic realm=\"x\", Bearer error=\"invalid_token\"",
        "Basic realm=\"x\", bearer Realm=\"api\", ERROR=invalid_token",
        "Basic realm=\"a, b\", Bearer realm=\"c, d\", error=\"invalid_token\"",
        "Bearer realm=\"say \\\"hi\\\", then go\", error=\"invalid_token\"",
        "Negotiate a87421000492aa874209af8bc028==, Bearer error=\"invalid_token\"",
        "Bearer realm=\"api\",error=\"invalid_token\"",
        ", , Bearer error=\"invalid_token\" ,",
        "Bearer error=\"invalid_token\", Bearer error=\"insufficient_scope\"",
        "Bearer error=\"insufficient_scope\", Bearer error=\"invalid_token\"",
        "Bearer error_description=\"error=invalid_token\", error=\"invalid_token\"",
    })
    void invalidTokenChallengesAreRecognised(String header) {
        assertThat(BearerChallenge.isInvalidToken(List.of(header))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "Bearer",
        "Bearer realm=\"api\"",
        "Bearer error=\"insufficient_scope\"",
        "Bearer error=\"invalid_request\"",
        "Bearer realm=\"a, error=invalid_token\"",
        "Bearer realm=\"error=\\\"invalid_token\\\"\"",
        "Bearer error_description=\"invalid_token\"",
        "Bearer error=\"Invalid_Token\"",
        "Bearer error=\"invalid_token_x\"",
        "Bearer error=",
        "Bearer error=\"invalid_token",
        "Basic realm=\"x\", error=\"invalid_token\"",
        "Basic error=\"invalid_token\"",
        "Bearerx error=\"invalid_token\"",
        "DPoP error=\"invalid_token\"",
        "Bearer aW52YWxpZF90b2tlbg==",
        "Bearer invalid_token",
        "invalid_token",
        "error=\"invalid_token\"",
        "Bearer realm=\"api\", Basic realm=\"x\", error=\"invalid_token\"",
        "Bearer realm=\"api\", @@@ x, error=\"invalid_token\"",
    })
    void otherChallengesAreNotInvalidToken(String header) {
        assertThat(BearerChallenge.isInvalidToken(List.of(header))).isFalse();
    }

    @Test
    void challengesMaySpreadOverSeveralHeaderLines() {
        assertThat(BearerChallenge.isInvalidToken(List.of("Basic realm=\"x\"", "Bearer error=\"invalid_token\"")))
            .isTrue();
        assertThat(BearerChallenge.isInvalidToken(List.of("Bearer realm=\"api\"", "error=\"invalid_token\"")))
            .as("header lines are one comma-separated list, so the parameter belongs to Bearer")
            .isTrue();
        assertThat(BearerChallenge.isInvalidToken(List.of("Basic realm=\"x\"", "error=\"invalid_token\"")))
            .isFalse();
        assertThat(BearerChallenge.isInvalidToken(List.of("Bearer error=\"insufficient_scope\"", "Basic realm=x")))
            .isFalse();
    }

    @Test
    void absentHeaderAndNullLinesAreNotInvalidToken() {
        assertThat(BearerChallenge.isInvalidToken(Collections.emptyList())).isFalse();
        assertThat(BearerChallenge.isInvalidToken(Arrays.asList(null, "Bearer error=\"invalid_token\""))).isTrue();
    }

    @Test
    void hostileHeadersAreReadToTheEndWithoutException() {
        int megabyte = 1 << 20;
        List<String> malformed = List.of("\"".repeat(megabyte), "\\".repeat(megabyte), "a=".repeat(megabyte / 2),
            "=".repeat(megabyte), ",".repeat(megabyte), "Bearer error=\"invalid_token", "Bearer error=\"\\",
            "Bearer error=" + "\"x\"".repeat(megabyte / 3), "x=\"\",".repeat(megabyte / 5), "\u0000".repeat(megabyte));
        for (String header : malformed) {
            assertThat(BearerChallenge.isInvalidToken(List.of(header))).as(header.substring(0, 12)).isFalse();
        }
        assertThat(BearerChallenge.isInvalidToken(List.of(" ".repeat(megabyte) + "Bearer error=invalid_token")))
            .isTrue();
        assertThat(BearerChallenge.isInvalidToken(List.of("Basic realm=\"" + "\\\"".repeat(megabyte / 2) + "\", "
            + "Bearer error=\"invalid_token\""))).isTrue();
    }

    @Test
    void nullListIsRejectedNamingTheParameter() {
        assertThatThrownBy(() -> BearerChallenge.isInvalidToken(null))
            .isInstanceOf(NullPointerException.class)
            .hasMessage("wwwAuthenticateValues must not be null");
    }

    @Test
    void aJdkHttpResponseIsAnInvalidTokenAnswerOnlyWhenA401SaysSoInItsChallenge() {
        assertThat(BearerChallenge.isInvalidTokenResponse(response(401, "Bearer error=\"invalid_token\""))).isTrue();
        assertThat(BearerChallenge.isInvalidTokenResponse(response(401, "Basic realm=\"x\", "
            + "Bearer realm=\"api\", error=\"invalid_token\""))).isTrue();
        assertThat(BearerChallenge.isInvalidTokenResponse(response(401, null))).isFalse();
        assertThat(BearerChallenge.isInvalidTokenResponse(response(401, "Bearer error=\"insufficient_scope\"")))
            .isFalse();
        assertThat(BearerChallenge.isInvalidTokenResponse(response(403, "Bearer error=\"invalid_token\"")))
            .isFalse();
        assertThat(BearerChallenge.isInvalidTokenResponse("401 Bearer error=\"invalid_token\"")).isFalse();
        assertThat(BearerChallenge.isInvalidTokenResponse(null)).isFalse();
    }

    private static java.net.http.HttpResponse<String> response(int status, String wwwAuthenticate) {
        java.net.http.HttpHeaders headers = java.net.http.HttpHeaders.of(wwwAuthenticate == null
            ? java.util.Map.of() : java.util.Map.of("WWW-Authenticate", List.of(wwwAuthenticate)),
            (name, value) -> true);
        return new java.net.http.HttpResponse<>() {
            @Override
            public int statusCode() {
                return status;
            }

            @Override
            public java.net.http.HttpRequest request() {
                return null;
            }

            @Override
            public java.util.Optional<java.net.http.HttpResponse<String>> previousResponse() {
                return java.util.Optional.empty();
            }

            @Override
            public java.net.http.HttpHeaders headers() {
                return headers;
            }

            @Override
            public String body() {
                return "";
            }

            @Override
            public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
                return java.util.Optional.empty();
            }

            @Override
            public java.net.URI uri() {
                return java.net.URI.create("https://api.example.com/orders");
            }

            @Override
            public java.net.http.HttpClient.Version version() {
                return java.net.http.HttpClient.Version.HTTP_1_1;
            }
        };
    }
}
