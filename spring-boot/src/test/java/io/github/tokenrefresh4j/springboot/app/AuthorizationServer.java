package io.github.tokenrefresh4j.springboot.app;

import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.MockWebServerWrapper;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import okhttp3.mockwebserver.RecordedRequest;

import java.net.InetAddress;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The tests' authorization server: navikt's mock-oauth2-server, embedded on 127.0.0.1 with an ephemeral port, one
 * per test JVM (the application contexts share it). It issues JWTs for the client_credentials grant to any client
 * and counts the token requests it received from its own request log.
 */
public final class AuthorizationServer {

    public static final String ISSUER_ID = "issuer";

    private static final AuthorizationServer INSTANCE = new AuthorizationServer();

    private final MockWebServerWrapper httpServer = new MockWebServerWrapper();
    private final MockOAuth2Server server;
    private long tokenRequests;

    private AuthorizationServer() {
        server = new MockOAuth2Server(new OAuth2Config(false, null, null, false, new OAuth2TokenProvider(),
            Set.of(), httpServer));
        server.start(InetAddress.getLoopbackAddress(), 0);
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown, "mock-oauth2-server-shutdown"));
    }

    public static AuthorizationServer get() {
        return INSTANCE;
    }

    public String tokenUri() {
        return server.baseUrl().newBuilder().host("127.0.0.1").build().resolve(ISSUER_ID + "/token").toString();
    }

    /** @return the token requests received so far, counted from the server's request log */
    public synchronized long tokenRequests() {
        String tokenPath = "/" + ISSUER_ID + "/token";
        try {
            RecordedRequest request;
            while ((request = httpServer.getMockWebServer().takeRequest(0, TimeUnit.MILLISECONDS)) != null) {
                if ("POST".equals(request.getMethod()) && tokenPath.equals(request.getPath())) {
                    tokenRequests++;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return tokenRequests;
    }
}
