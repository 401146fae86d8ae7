package io.github.tokenrefresh4j.redis;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefresher;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

/** The refresher a real service would write: it calls {@link RotatingTokenServer}'s token endpoint over HTTP. */
final class HttpTokenClient implements TokenRefresher {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;

    HttpTokenClient(URI base) {
        this.base = base;
    }

    @Override
    public AccessToken refresh(AccessToken current) throws IOException, InterruptedException {
        String refreshToken = current == null ? "" : current.refreshToken().orElse("");
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("/token"))
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(refreshToken)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("token endpoint answered " + response.statusCode());
        }
        String[] lines = response.body().split("\n");
        return AccessToken.of(lines[0], Instant.ofEpochMilli(Long.parseLong(lines[2]))).withRefreshToken(lines[1]);
    }

    /** Calls the protected API with {@code token}; returns the HTTP status. */
    int callApi(AccessToken token) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve("/api"))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token.value()).GET().build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
