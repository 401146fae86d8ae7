package docs;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefresher;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;

/**
 * The stand-ins that the snippets of README.md and docs/ import by name ({@code import static docs.Fixture.callApi;}):
 * what a reader replaces with their own server, secret or call. Compiled beside {@code DocSnippetsTest}; never
 * published.
 */
public final class Fixture {

    /** Your authorization server's token endpoint. */
    public static final URI tokenEndpoint = URI.create("https://auth.example.com/oauth2/token");
    /** Your authorization server's issuer (for discovery). */
    public static final URI issuer = URI.create("https://auth.example.com");
    /** The API you call with the token. */
    public static final URI ordersUri = URI.create("https://orders.example.com/orders");
    /** Your client secret, from your secret store. */
    public static final String clientSecret = "client-secret-from-your-vault";
    /** A refresh token your application obtained earlier (the authorization-code flow). */
    public static final String initialRefreshToken = "refresh-token-from-login";
    /** Your HTTP client. */
    public static final HttpClient http = HttpClient.newHttpClient();

    private Fixture() {
    }

    /** Your call to the API with a request that carries the token. */
    public static HttpResponse<String> callApi(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Your call to the token endpoint: a refresher ({@code current} is the token it replaces, null at first). */
    public static AccessToken fetchToken(AccessToken current) {
        return AccessToken.of("token-" + Instant.now(), Instant.now().plus(Duration.ofMinutes(5)));
    }

    /** A refresher, such as one from the tokenrefresh4j-oauth2 module. */
    public static final TokenRefresher refresher = Fixture::fetchToken;

    /** Your client's private key for private_key_jwt. */
    public static PrivateKey privateKey() throws NoSuchAlgorithmException {
        return KeyPairGenerator.getInstance("RSA").generateKeyPair().getPrivate();
    }

    /** A workload identity assertion (a JWT your platform issues), for the jwt-bearer grant. */
    public static String workloadAssertion() {
        return "eyJ...";
    }
}
