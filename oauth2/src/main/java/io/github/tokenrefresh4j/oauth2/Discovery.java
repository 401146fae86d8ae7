package io.github.tokenrefresh4j.oauth2;

import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import net.minidev.json.JSONObject;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Discovery: finds the token endpoint in the issuer's metadata:
 * {@code {issuer}/.well-known/openid-configuration} (OpenID Connect Discovery), else
 * {@code /.well-known/oauth-authorization-server{issuer path}} (RFC 8414), both asked at once. It starts when the refresher is built,
 * without blocking and without a thread of its own, so that the first refresh finds it done or under way rather
 * than spending its {@code refreshTimeout} on it; refreshes that arrive meanwhile wait for that one discovery. A
 * failed discovery is tried again at the next refresh. With a fixed token endpoint, asks nothing.
 */
final class Discovery {

    private static final System.Logger LOG = System.getLogger(OAuth2TokenRefresher.class.getName());

    private final URI issuer;
    private final Transport transport;
    private final Clock clock;
    private final boolean allowPlainHttp;
    /** Null until discovery found it, when built from an issuer. */
    private volatile URI tokenEndpoint;
    /**
     * The discovery under way, or the last one. A failed one is replaced by the next refresh, once a refresh has
     * reported its failure: the one started at build time fails the first refresh, not none.
     */
    private final AtomicReference<Attempt> pending = new AtomicReference<>();

    private record Attempt(CompletableFuture<URI> result, AtomicBoolean reported) {
    }

    private Discovery(URI issuer, URI tokenEndpoint, Transport transport, Clock clock, boolean allowPlainHttp) {
        this.issuer = issuer;
        this.allowPlainHttp = allowPlainHttp;
        this.tokenEndpoint = tokenEndpoint;
        this.transport = transport;
        this.clock = clock;
    }

    static Discovery fixed(URI tokenEndpoint) {
        return new Discovery(null, tokenEndpoint, null, null, false);
    }

    static Discovery of(URI issuer, Transport transport, Clock clock, boolean allowPlainHttp) {
        return new Discovery(issuer, null, transport, clock, allowPlainHttp);
    }

    /** @return the token endpoint if known yet, else null */
    URI known() {
        return tokenEndpoint;
    }

    URI issuer() {
        return issuer;
    }

    /** Starts discovering, without waiting; nothing with a fixed token endpoint. */
    void start() {
        if (tokenEndpoint == null) {
            pending.compareAndSet(null, new Attempt(discover(), new AtomicBoolean()));
        }
    }

    URI tokenEndpoint() throws TokenEndpointException {
        URI endpoint = tokenEndpoint;
        if (endpoint != null) {
            return endpoint;
        }
        Failures failures = new Failures("metadata of issuer " + Failures.display(issuer), List.of());
        Attempt attempt = current();
        try {
            // Interruptibly, and without cancelling: other refreshes may be waiting for the same discovery.
            endpoint = attempt.result().get();
        } catch (ExecutionException e) {
            attempt.reported().set(true);
            throw failures.unwrap(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failures.interrupted(e);
        }
        tokenEndpoint = endpoint;
        return endpoint;
    }

    /**
     * @return the discovery under way or done, or a failed one no refresh reported yet, else a new one
     */
    private Attempt current() {
        for (;;) {
            Attempt last = pending.get();
            if (last != null && (!last.result().isCompletedExceptionally() || !last.reported().get())) {
                return last;
            }
            CompletableFuture<URI> next = new CompletableFuture<>();
            Attempt attempt = new Attempt(next, new AtomicBoolean());
            if (pending.compareAndSet(last, attempt)) {
                try {
                    discover().whenComplete((uri, failure) -> {
                        if (failure == null) {
                            next.complete(uri);
                        } else {
                            next.completeExceptionally(failure);
                        }
                    });
                } catch (Throwable e) {
                    // Published already: left pending, it would hold every later refresh.
                    next.completeExceptionally(e);
                }
                return attempt;
            }
        }
    }

    private CompletableFuture<URI> discover() {
        String issuerText = issuer.toString();
        String withoutSlash = issuerText.endsWith("/") ? issuerText.substring(0, issuerText.length() - 1)
            : issuerText;
        String path = issuer.getRawPath() == null || "/".equals(issuer.getRawPath()) ? ""
            : issuer.getRawPath().replaceAll("/$", "");
        URI openIdConfiguration = URI.create(withoutSlash + "/.well-known/openid-configuration");
        URI authorizationServer = URI.create(issuer.getScheme() + "://" + issuer.getRawAuthority()
            + "/.well-known/oauth-authorization-server" + path);
        // Both at once, so that a server without the first document costs one round trip, not two; the first wins
        // when both answer.
        CompletableFuture<URI> openId = tokenEndpointFrom(openIdConfiguration, withoutSlash);
        CompletableFuture<URI> oauth = tokenEndpointFrom(authorizationServer, withoutSlash);
        return openId.handle((uri, first) -> {
            if (uri != null) {
                // The other request runs to its end (or its read timeout), not cancelled: whether a cancelled
                // request reached the server is a race, and it is one request per discovery.
                return CompletableFuture.completedFuture(uri);
            }
            return oauth.handle((second, failure) -> {
                if (failure == null) {
                    return second;
                }
                TokenEndpointException last = failures(authorizationServer).unwrap(failure);
                last.addSuppressed(failures(openIdConfiguration).unwrap(first));
                throw new CompletionException(last);
            });
        }).thenCompose(Function.identity());
    }

    private Failures failures(URI metadata) {
        return new Failures("metadata of issuer " + Failures.display(issuer) + " at " + Failures.display(metadata),
            List.of());
    }

    /** @return true when {@code endpoint} is plain http while {@code issuer} is https */
    static boolean downgrades(URI issuer, URI endpoint) {
        return "https".equalsIgnoreCase(issuer.getScheme()) && !"https".equalsIgnoreCase(endpoint.getScheme());
    }

    private CompletableFuture<URI> tokenEndpointFrom(URI metadata, String expectedIssuer) {
        Failures failures = failures(metadata);
        HTTPRequest http = new HTTPRequest(HTTPRequest.Method.GET, metadata);
        http.setAccept("application/json");
        return transport.sendAsync(http, failures).thenApply(response -> {
            try {
                return tokenEndpointIn(response, metadata, expectedIssuer, failures);
            } catch (TokenEndpointException e) {
                throw new CompletionException(e);
            }
        });
    }

    private URI tokenEndpointIn(HTTPResponse response, URI metadata, String expectedIssuer, Failures failures)
        throws TokenEndpointException {
        int status = response.getStatusCode();
        if (status != 200) {
            throw failures.errorAnswer(response, clock);
        }
        JSONObject json = Failures.jsonOrNull(response.getBody());
        if (json == null) {
            throw failures.invalidAnswer(status, "with " + Failures.bodyKind(response), "check the issuer URI");
        }
        String announced = Failures.string(json, "issuer");
        if (announced == null || !expectedIssuer.equals(announced.replaceAll("/$", ""))) {
            throw failures.invalidAnswer(status, "for another issuer", "check the issuer URI (RFC 8414 §3.3)");
        }
        String endpoint = Failures.string(json, "token_endpoint");
        try {
            URI uri = endpoint == null ? null : new URI(endpoint);
            if (uri == null || !Checks.isHttpUri(uri)) {
                throw failures.invalidAnswer(status, "without an http or https token_endpoint",
                    "configure the token endpoint with builder(URI)");
            }
            if (downgrades(issuer, uri)) {
                // A TLS-terminating proxy that loses the original scheme publishes exactly this (RFC 9700 §2.6).
                throw failures.invalidAnswer(status, "with token_endpoint " + Failures.display(uri) + ", which is "
                    + "plain http for an https issuer: credentials would travel in cleartext",
                    "fix the server's metadata (its proxy must pass the original scheme), or configure the token "
                        + "endpoint with builder(URI)");
            }
            if (!allowPlainHttp && Checks.isPlainHttpOffLoopback(uri)) {
                throw failures.invalidAnswer(status, "with token_endpoint " + Failures.display(uri) + ", which is "
                    + "plain http on a host that is not loopback: credentials would travel in cleartext",
                    "use https, or call allowPlainHttp() on the builder to accept it");
            }
            LOG.log(System.Logger.Level.DEBUG, () -> "discovered token endpoint " + Failures.display(uri)
                + " at " + Failures.display(metadata));
            return uri;
        } catch (URISyntaxException e) {
            throw failures.invalidAnswer(status, "with a token_endpoint that is no URI",
                "configure the token endpoint with builder(URI)");
        }
    }
}
