package io.github.tokenrefresh4j.okhttp;

import io.github.tokenrefresh4j.OneTokenThenFailure;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import mockwebserver3.MockWebServer;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import static io.github.tokenrefresh4j.okhttp.BearerTokenInterceptorTest.invalidToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** No string this module produces (toString, exception messages and stack traces) contains a token. */
class OkHttpSecretsTest {

    private static final String ACCESS = "at-5e1f-SECRET";

    @Test
    void noStringTheAdaptersProduceContainsTheToken() throws IOException {
        TokenRefreshDecorator tokens = BearerTokenInterceptor.decorator("orders-api", new OneTokenThenFailure(ACCESS));
        BearerTokenInterceptor interceptor = new BearerTokenInterceptor(tokens);
        TokenRefreshAuthenticator authenticator = new TokenRefreshAuthenticator(tokens);
        List<String> produced = new ArrayList<>(List.of(interceptor.toString(), authenticator.toString()));
        try (MockWebServer api = new MockWebServer()) {
            api.start(InetAddress.getLoopbackAddress(), 0);
            for (OkHttpClient client : List.of(
                new OkHttpClient.Builder().addInterceptor(interceptor).build(),
                new OkHttpClient.Builder().addInterceptor(authenticator).authenticator(authenticator).build())) {
                api.enqueue(invalidToken());
                Throwable failure = catchThrowable(() ->
                    client.newCall(new Request.Builder().url(api.url("/orders")).build()).execute());
                assertThat(failure).isInstanceOf(IOException.class);
                for (Throwable t = failure; t != null; t = t.getCause()) {
                    produced.add(String.valueOf(t.getMessage()));
                    produced.add(t.toString());
                }
                StringWriter trace = new StringWriter();
                failure.printStackTrace(new PrintWriter(trace));
                produced.add(trace.toString());
                client.connectionPool().evictAll();
            }
        }

        assertThat(produced).isNotEmpty().noneMatch(s -> s.contains(ACCESS));
    }
}
