package io.github.tokenrefresh4j.springboot.security;

import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefreshRegistry;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.util.Assert;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * An {@link OAuth2AuthorizedClientManager} that lets concurrent {@code authorize} calls share one call to the
 * manager it wraps when that manager would load and save the same authorized client for all of them: however many
 * callers find no valid token, one token request is made, and they all get its authorized client (or its
 * exception). Which calls those are depends on the wrapped manager:
 *
 * <ul>
 *   <li>{@code AuthorizedClientServiceOAuth2AuthorizedClientManager} (the starter's own, for service-to-service
 *       calls): calls for the same client registration and principal name;</li>
 *   <li>{@code DefaultOAuth2AuthorizedClientManager} with Spring's session-backed repository
 *       ({@code HttpSessionOAuth2AuthorizedClientRepository}, or
 *       {@code AuthenticatedPrincipalOAuth2AuthorizedClientRepository}
 *       whose anonymous repository is that one) and Spring's default context-attributes mapper: calls of the same
 *       {@code HttpSession} that also carry the same {@code scope} request parameter; a request with no session
 *       shares with no other request;</li>
 *   <li>any other manager, repository or mapper: calls of the same servlet request only, never across requests.</li>
 * </ul>
 *
 * A call that asks for something else (it brings an authorized client to re-authorize, or attributes such as a
 * scope, beyond the servlet request and response) shares only with calls that ask the same.
 *
 * <p>The Spring Boot starter wraps every {@code OAuth2AuthorizedClientManager} bean with it; without Boot:
 *
 * <pre>{@code
 * OAuth2AuthorizedClientManager manager = new TokenRefreshOAuth2AuthorizedClientManager(
 *     new AuthorizedClientServiceOAuth2AuthorizedClientManager(registrations, clientService),
 *     TokenRefreshRegistry.ofDefaults());
 * RestClient client = RestClient.builder()
 *     .requestInterceptor(new OAuth2ClientHttpRequestInterceptor(manager))
 *     .build();
 * }</pre>
 *
 * <p>The first caller for a key runs the wrapped manager on its own thread; the others wait for it, at most the
 * {@code refreshTimeout} of the registration's decorator, and then fail with a {@link TokenRefreshException}
 * (the wrapped call goes on and ends the flight). A key is removed when its call completes, so memory stays
 * bounded however many principals there are. The registry gets one decorator per client registration, named
 * after the registration id, whose metrics, actuator entry and health follow the token requests; the principal
 * never becomes a tag.
 *
 * <p>After a failed token request (not {@code invalid_grant} nor {@code invalid_token}, after which Spring removes
 * the authorized client), the calls that would have shared it fail at once, without a token request, until the
 * {@code failureCooldown} of the registration's decorator ends, with an exception of the failure's kind (a
 * {@code ClientAuthorizationException} with its {@code OAuth2Error}); other principals and sessions are not
 * refused. A partition that is one request keeps no cooldown.
 */
public final class TokenRefreshOAuth2AuthorizedClientManager implements OAuth2AuthorizedClientManager {

    /**
     * What this thread was last handed, for {@link StaleAwareAuthorizationFailureHandler}: registration id,
     * principal name and a digest of the access token ({@link #digest}). One entry per thread, replaced by the
     * thread's next call and removed when the handler takes it. JDK types only, and no token value: an idle pool
     * thread pins no class loader of the application and holds no secret.
     */
    static final ThreadLocal<Object[]> HANDED_OUT = new ThreadLocal<>();

    private final OAuth2AuthorizedClientManager delegate;
    private final Flights flights;
    private final Function<OAuth2AuthorizeRequest, Object> partitions;

    /**
     * @param delegate the manager that makes the token requests
     * @param registry where the decorator of each client registration goes
     */
    public TokenRefreshOAuth2AuthorizedClientManager(OAuth2AuthorizedClientManager delegate,
                                                     TokenRefreshRegistry registry) {
        this(delegate, registry, Partitions.of(Objects.requireNonNull(delegate, "delegate must not be null")));
    }

    /**
     * Wraps a manager that is known to load and save authorized clients by client registration id and principal
     * name alone (say, your own manager over an {@code OAuth2AuthorizedClientService}), so that its concurrent
     * calls for one registration and principal share one token request, in or out of a web request. The starter
     * cannot prove that of a manager it does not know, and shares such a manager's calls only within one request;
     * use this only when it holds: two callers of one principal name get the same authorized client.
     *
     * <pre>{@code
     * @Bean
     * OAuth2AuthorizedClientManager authorizedClientManager(TokenRefreshRegistry registry) {
     *     return TokenRefreshOAuth2AuthorizedClientManager.sharingByPrincipal(myServiceBackedManager(), registry);
     * }
     * }</pre>
     *
     * @param delegate a manager that loads and saves by registration id and principal name
     * @param registry where the decorator of each client registration goes
     * @return the wrapper
     */
    public static TokenRefreshOAuth2AuthorizedClientManager sharingByPrincipal(OAuth2AuthorizedClientManager delegate,
                                                                             TokenRefreshRegistry registry) {
        return new TokenRefreshOAuth2AuthorizedClientManager(delegate, registry, request -> Partitions.BY_PRINCIPAL);
    }

    /** With the partitions given ({@link Partitions}). */
    TokenRefreshOAuth2AuthorizedClientManager(OAuth2AuthorizedClientManager delegate, TokenRefreshRegistry registry,
                                              Function<OAuth2AuthorizeRequest, Object> partitions) {
        this.delegate = Objects.requireNonNull(delegate, "delegate must not be null");
        this.flights = new Flights(Objects.requireNonNull(registry, "registry must not be null"),
            ClockSkews.of(delegate));
        this.partitions = partitions;
    }

    /** @return the wrapped manager */
    public OAuth2AuthorizedClientManager getDelegate() {
        return delegate;
    }

    @Override
    public OAuth2AuthorizedClient authorize(OAuth2AuthorizeRequest authorizeRequest) {
        Assert.notNull(authorizeRequest, "authorizeRequest cannot be null"); // Spring's managers' contract
        // a call that throws must not leave the token an earlier call was handed to the failure handler
        HANDED_OUT.remove();
        OAuth2AuthorizedClient client = authorizeShared(authorizeRequest);
        if (client != null) {
            HANDED_OUT.set(new Object[] {client.getClientRegistration().getRegistrationId(),
                client.getPrincipalName(), digest(client.getAccessToken())});
        }
        return client;
    }

    private OAuth2AuthorizedClient authorizeShared(OAuth2AuthorizeRequest authorizeRequest) {
        Flights.Key key = Flights.key(authorizeRequest, partitions.apply(authorizeRequest));
        boolean[] leader = {false};
        CompletableFuture<OAuth2AuthorizedClient> flight = flights.join(key, k -> {
            leader[0] = true;
            return CompletableFuture.completedFuture(delegate.authorize(authorizeRequest));
        });
        if (leader[0]) { // the leader ran the wrapped manager itself: its flight is complete
            try {
                return flight.join();
            } catch (CompletionException e) {
                throw propagate(Flights.unwrap(e));
            }
        }
        Duration timeout = flights.refreshTimeout(key.registrationId());
        try {
            return flight.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = Flights.unwrap(e.getCause());
            flights.callFailed(key.registrationId(), cause); // a refused flight has no leader: all end here
            throw propagate(cause);
        } catch (TimeoutException e) {
            flights.waitTimedOut(key.registrationId());
            throw new TokenRefreshException("the token request for client registration '" + key.registrationId()
                + "' made by another call is still running after " + timeout + "; raise refresh-timeout of "
                + "tokenrefresh4j.instances." + key.registrationId() + " or check the authorization server", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenRefreshException("interrupted while waiting for the token request for client "
                + "registration '" + key.registrationId() + "'", e);
        }
    }

    /** @return the digest of the access token this thread was handed for that client, or null; forgets it */
    static byte[] takeHandedOut(String registrationId, String principalName) {
        Object[] handedOut = HANDED_OUT.get();
        HANDED_OUT.remove();
        return handedOut != null && handedOut[0].equals(registrationId) && handedOut[1].equals(principalName)
            ? (byte[]) handedOut[2] : null;
    }

    /** SHA-256 of the token value: tells two tokens apart without keeping either. */
    static byte[] digest(OAuth2AccessToken accessToken) {
        try {
            return MessageDigest.getInstance("SHA-256")
                .digest(accessToken.getTokenValue().getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform supports SHA-256", e);
        }
    }

    static RuntimeException propagate(Throwable cause) {
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new TokenRefreshException("the token request failed: " + cause, cause);
    }

    @Override
    public String toString() {
        return "TokenRefreshOAuth2AuthorizedClientManager{delegate=" + delegate + ", flightsInProgress="
            + flights.inProgress() + '}';
    }
}
