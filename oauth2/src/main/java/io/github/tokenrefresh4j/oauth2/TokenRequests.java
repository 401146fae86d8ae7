package io.github.tokenrefresh4j.oauth2;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import io.github.tokenrefresh4j.AccessToken;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One token request: the client authentication, the grant and the parameters every request carries (scope,
 * resource, audience), sent through the {@link Transport} and read by {@link TokenResponses}.
 */
final class TokenRequests {

    private static final System.Logger LOG = System.getLogger(OAuth2TokenRefresher.class.getName());

    private final ClientAuthenticator authenticator;
    private final Scope scope;
    private final List<URI> resources;
    private final String audience;
    private final Transport transport;
    private final TokenResponses responses;
    private final Clock clock;
    private final Duration refusalCooldown;

    TokenRequests(ClientAuthenticator authenticator, Scope scope, List<URI> resources, String audience,
                  Transport transport, TokenResponses responses, Clock clock, Duration refusalCooldown) {
        this.refusalCooldown = refusalCooldown;
        this.authenticator = authenticator;
        this.scope = scope;
        this.resources = List.copyOf(resources);
        this.audience = audience;
        this.transport = transport;
        this.responses = responses;
        this.clock = clock;
    }

    /**
     * @param shown                 the grant as messages show it
     * @param presentedRefreshToken the refresh token the grant presents, or null
     */
    AccessToken request(URI endpoint, AuthorizationGrant grant, String shown, String presentedRefreshToken)
        throws TokenEndpointException {
        String target = "token endpoint " + Failures.display(endpoint);
        TokenRequest.Builder tokenRequest;
        try {
            tokenRequest = authenticator.request(endpoint, clock.instant(), grant);
        } catch (JOSEException | RuntimeException e) {
            throw new Failures(target, List.of()).notSent("the client assertion could not be signed: "
                + e.getClass().getSimpleName(), e);
        }
        if (scope != null) {
            tokenRequest.scope(scope);
        }
        if (!resources.isEmpty()) {
            tokenRequest.resources(resources.toArray(new URI[0]));
        }
        if (audience != null) {
            tokenRequest.customParameter("audience", audience);
        }
        TokenRequest built = tokenRequest.build();
        HTTPRequest http = built.toHTTPRequest();
        http.setAccept("application/json");
        Failures failures = new Failures(target + " (" + shown + ")", secretsOf(http, built),
            refusalCooldown.isZero() ? null : refusalCooldown);
        HTTPResponse response = transport.send(http, failures);
        int status = response.getStatusCode();
        LOG.log(System.Logger.Level.DEBUG, () -> "token request to " + Failures.display(endpoint) + " ("
            + shown + ") answered " + status);
        return responses.parse(response, failures, presentedRefreshToken);
    }

    /** The values a server that echoes the request could send back. */
    private static List<String> secretsOf(HTTPRequest http, TokenRequest request) {
        List<String> secrets = new ArrayList<>();
        secrets.add(ClientAuthenticator.secretOf(request.getClientAuthentication()));
        String authorization = http.getAuthorization();
        if (authorization != null) {
            secrets.add(authorization);
            int space = authorization.indexOf(' ');
            secrets.add(space < 0 ? authorization : authorization.substring(space + 1));
        }
        try {
            Map<String, List<String>> form = http.getBodyAsFormParameters();
            for (String name : List.of("client_secret", "client_assertion", "assertion", "refresh_token")) {
                secrets.addAll(form.getOrDefault(name, List.of()));
            }
        } catch (ParseException e) {
            // The SDK always writes a form body; nothing more to collect.
        }
        return secrets;
    }
}
