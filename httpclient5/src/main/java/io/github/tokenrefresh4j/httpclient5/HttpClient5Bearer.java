package io.github.tokenrefresh4j.httpclient5;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.BearerExchange;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.apache.hc.core5.http.support.BasicRequestBuilder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * HttpClient 5's side of the attach-send-judge-retry loop, shared by the classic and the async handler, so that
 * one decorator serves both clients.
 */
final class HttpClient5Bearer {

    static final BearerExchange<HttpRequest, HttpResponse> EXCHANGE =
        BearerExchange.<HttpRequest, HttpResponse>builder(HttpResponse.class)
            .attach(HttpClient5Bearer::withToken)
            .ownCredentials(request -> request.containsHeader(HttpHeaders.AUTHORIZATION))
            .status(HttpResponse::getCode)
            .challenges(HttpClient5Bearer::challenges)
            .release(HttpClient5Bearer::release)
            .build();

    private HttpClient5Bearer() {
    }

    /**
     * A copy of the request, with its entity, carrying the token: the exec chain below adds headers to the request
     * it sends (Host, Content-Length, ...), which a second attempt must not find already there.
     */
    private static HttpRequest withToken(HttpRequest request, AccessToken token) {
        String bearer = "Bearer " + token.value();
        if (request instanceof ClassicHttpRequest) {
            return ClassicRequestBuilder.copy((ClassicHttpRequest) request)
                .setHeader(HttpHeaders.AUTHORIZATION, bearer)
                .build();
        }
        return BasicRequestBuilder.copy(request).setHeader(HttpHeaders.AUTHORIZATION, bearer).build();
    }

    private static List<String> challenges(HttpResponse response) {
        List<String> values = new ArrayList<>();
        for (Header header : response.getHeaders(HttpHeaders.WWW_AUTHENTICATE)) {
            values.add(header.getValue());
        }
        return values;
    }

    /**
     * Drains and closes a rejected classic response so that its connection goes back to the pool; an async
     * rejection was read to its end already.
     */
    private static void release(HttpResponse response) {
        if (response instanceof ClassicHttpResponse) {
            ClassicHttpResponse classic = (ClassicHttpResponse) response;
            EntityUtils.consumeQuietly(classic.getEntity());
            try {
                classic.close();
            } catch (IOException ignored) {
                // the connection is discarded instead of reused; nothing else to do
            }
        }
    }
}
