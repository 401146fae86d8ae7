package io.github.tokenrefresh4j.oauth2;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.sun.net.httpserver.HttpServer;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.server.authorization.InMemoryOAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.client.InMemoryRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Principal;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Spring Authorization Server (Spring Security 7.0.x), embedded: a minimal Spring Boot app on a free port of
 * 127.0.0.1, refresh-token rotation on ({@code reuseRefreshTokens(false)}), and a count of token requests per
 * client taken before the security filters. The {@code private_key_jwt} client's JWKS is served by a JDK server.
 */
final class SpringAuthorizationServer implements AutoCloseable {

    static final String BASIC_CLIENT = "basic-client";
    static final String BASIC_SECRET = "basic-secret";
    static final String JWT_CLIENT = "jwt-client";
    static final String PUBLIC_CLIENT = "public-client";
    /**
     * Registered for self_signed_tls_client_auth with {@link TlsFixture}'s client certificate in its JWKS (x5c):
     * the server takes a one-certificate chain as self-signed, whatever the client says.
     */
    static final String MTLS_CLIENT = "orders-client";

    private final ConfigurableApplicationContext context;
    private final HttpServer jwks;
    final KeyPair clientKey;

    private final boolean https;

    SpringAuthorizationServer() throws Exception {
        this(null);
    }

    /** @param tls with it, on https with the server certificate, asking for (not needing) a client certificate */
    SpringAuthorizationServer(TlsFixture tls) throws Exception {
        https = tls != null;
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        clientKey = rsa.generateKeyPair();
        byte[] jwkSet = new JWKSet(new RSAKey.Builder((RSAPublicKey) clientKey.getPublic()).keyID("k1").build())
            .toString().getBytes(StandardCharsets.UTF_8);
        jwks = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        jwks.createContext("/jwks", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, jwkSet.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(jwkSet);
            }
        });
        if (tls != null) {
            byte[] certificateSet = new JWKSet(com.nimbusds.jose.jwk.JWK.parse(tls.clientCertificate())).toString()
                .getBytes(StandardCharsets.UTF_8);
            jwks.createContext("/mtls-jwks", exchange -> {
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, certificateSet.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(certificateSet);
                }
            });
        }
        jwks.start();
        Map<String, Object> properties = new java.util.HashMap<>(Map.of("server.port", "0",
            "server.address", "127.0.0.1", "spring.main.banner-mode", "off", "logging.level.root", "WARN",
            "client.jwks", "http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks"));
        if (tls != null) {
            properties.putAll(Map.of("server.ssl.enabled", "true",
                "server.ssl.key-store", tls.serverKeyStore.toUri().toString(),
                "server.ssl.key-store-type", "PKCS12", "server.ssl.key-store-password", TlsFixture.PASSWORD_TEXT,
                "server.ssl.key-alias", "key",
                "server.ssl.trust-store", tls.serverTrustStore.toUri().toString(),
                "server.ssl.trust-store-type", "PKCS12", "server.ssl.trust-store-password", TlsFixture.PASSWORD_TEXT,
                "server.ssl.client-auth", "want"));
        }
        context = new SpringApplicationBuilder(App.class).web(WebApplicationType.SERVLET).properties(properties)
            .run();
    }

    URI issuer() {
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        return URI.create((https ? "https" : "http") + "://127.0.0.1:" + port);
    }

    URI tokenEndpoint() {
        return issuer().resolve("/oauth2/token");
    }

    /** @return the token requests received so far for {@code clientId} */
    int tokenRequests(String clientId) {
        return context.getBean(App.class).tokenRequests.computeIfAbsent(clientId, id -> new AtomicInteger()).get();
    }

    /** @return a refresh token the server issued to {@code clientId} for alice, as a sign-in would have */
    String signIn(String clientId) {
        RegisteredClient client = context.getBean(RegisteredClientRepository.class).findByClientId(clientId);
        Instant now = Instant.now();
        String refreshToken = "signed-in-" + UUID.randomUUID();
        context.getBean(OAuth2AuthorizationService.class).save(OAuth2Authorization.withRegisteredClient(client)
            .principalName("alice").authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
            .authorizedScopes(Set.of("orders"))
            .accessToken(new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER, "signed-in-" + UUID.randomUUID(),
                now, now.plus(Duration.ofHours(1)), Set.of("orders")))
            .refreshToken(new OAuth2RefreshToken(refreshToken, now, now.plus(Duration.ofDays(1))))
            .attribute(Principal.class.getName(), UsernamePasswordAuthenticationToken.authenticated("alice", null,
                List.of()))
            .build());
        return refreshToken;
    }

    @Override
    public void close() {
        context.close();
        jwks.stop(0);
    }

    @SpringBootConfiguration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class App {

        final Map<String, AtomicInteger> tokenRequests = new ConcurrentHashMap<>();

        @Bean
        RegisteredClientRepository registeredClients(org.springframework.core.env.Environment environment) {
            TokenSettings rotating = TokenSettings.builder().reuseRefreshTokens(false)
                .accessTokenTimeToLive(Duration.ofHours(1)).refreshTokenTimeToLive(Duration.ofDays(1)).build();
            RegisteredClient basic = RegisteredClient.withId(BASIC_CLIENT).clientId(BASIC_CLIENT)
                .clientSecret("{noop}" + BASIC_SECRET)
                .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_POST)
                .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                .authorizationGrantType(AuthorizationGrantType.REFRESH_TOKEN)
                .scope("orders").tokenSettings(rotating).build();
            RegisteredClient jwt = RegisteredClient.withId(JWT_CLIENT).clientId(JWT_CLIENT)
                .clientAuthenticationMethod(ClientAuthenticationMethod.PRIVATE_KEY_JWT)
                .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                .scope("orders").tokenSettings(rotating)
                .clientSettings(ClientSettings.builder().jwkSetUrl(environment.getProperty("client.jwks"))
                    .tokenEndpointAuthenticationSigningAlgorithm(SignatureAlgorithm.RS256).build())
                .build();
            RegisteredClient open = RegisteredClient.withId(PUBLIC_CLIENT).clientId(PUBLIC_CLIENT)
                .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
                .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
                .authorizationGrantType(AuthorizationGrantType.REFRESH_TOKEN)
                .redirectUri("http://127.0.0.1/callback")
                .scope("orders").tokenSettings(rotating).build();
            RegisteredClient mtls = RegisteredClient.withId(MTLS_CLIENT).clientId(MTLS_CLIENT)
                .clientAuthenticationMethod(ClientAuthenticationMethod.SELF_SIGNED_TLS_CLIENT_AUTH)
                .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                .scope("orders").tokenSettings(rotating)
                .clientSettings(ClientSettings.builder()
                    .jwkSetUrl(environment.getProperty("client.jwks").replace("/jwks", "/mtls-jwks")).build())
                .build();
            return new InMemoryRegisteredClientRepository(basic, jwt, open, mtls);
        }

        @Bean
        OAuth2AuthorizationService authorizations() {
            return new InMemoryOAuth2AuthorizationService();
        }

        /** Counts token requests per client (from Basic or the form) before any security filter. */
        @Bean
        FilterRegistrationBean<Filter> tokenRequestCounter() {
            FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>((request, response, chain) -> {
                HttpServletRequest http = (HttpServletRequest) request;
                if ("POST".equals(http.getMethod()) && "/oauth2/token".equals(http.getRequestURI())) {
                    tokenRequests.computeIfAbsent(clientOf(http), id -> new AtomicInteger()).incrementAndGet();
                }
                chain.doFilter(request, response);
            });
            registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
            return registration;
        }

        private static String clientOf(HttpServletRequest request) {
            String authorization = request.getHeader("Authorization");
            if (authorization != null && authorization.startsWith("Basic ")) {
                String decoded = new String(java.util.Base64.getDecoder().decode(authorization.substring(6)),
                    StandardCharsets.UTF_8);
                return decoded.substring(0, decoded.indexOf(':'));
            }
            String clientId = request.getParameter("client_id");
            return clientId == null ? "?" : clientId;
        }
    }
}
