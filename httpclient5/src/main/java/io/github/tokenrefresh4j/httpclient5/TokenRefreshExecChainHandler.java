package io.github.tokenrefresh4j.httpclient5;

import io.github.resilience4j.core.functions.CheckedFunction;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.BearerChallenge;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefresher;
import io.github.tokenrefresh4j.internal.CancellableExecution;
import io.github.tokenrefresh4j.internal.Unjudged;
import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.client5.http.classic.ExecRuntime;
import org.apache.hc.client5.http.impl.classic.RequestFailedException;
import org.apache.hc.core5.concurrent.Cancellable;
import org.apache.hc.core5.concurrent.CancellableDependency;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;

import java.io.IOException;
import java.util.Objects;
import java.util.function.Predicate;

import static io.github.tokenrefresh4j.httpclient5.HttpClient5Bearer.EXCHANGE;

/**
 * An exec-chain handler for Apache HttpClient 5's classic client that sets {@code Authorization: Bearer} with the
 * decorator's token and lets the decorator handle {@code 401 invalid_token}: one refresh however many requests are
 * rejected together, then each request is sent again with the new token. A request rejected with a token that was
 * already replaced is sent again with the current one, without a refresh.
 *
 * <pre>{@code
 * TokenRefreshDecorator tokens = TokenRefreshExecChainHandler.decorator("orders-api",
 *     current -> tokenEndpoint.clientCredentials("orders"));
 * CloseableHttpClient client = HttpClients.custom()
 *     .addExecInterceptorFirst(TokenRefreshExecChainHandler.NAME, new TokenRefreshExecChainHandler(tokens))
 *     .build();
 * String orders = client.execute(new HttpGet("https://orders.example.com/orders"),
 *     response -> EntityUtils.toString(response.getEntity()));
 * }</pre>
 *
 * <ul>
 *   <li>Add it first ({@code addExecInterceptorFirst}), so that it sees each request once, before redirects,
 *       HttpClient's own retries and its authentication handling. HttpClient builds a redirected request from the
 *       request as the caller made it, so a redirect carries no token, to any host. For an API that redirects to
 *       itself, add the handler after redirects instead:
 *       {@code addExecInterceptorAfter(ChainElement.REDIRECT.name(), NAME, handler)}; then every hop carries the
 *       token, whatever its host.</li>
 *   <li>A request is sent again at most {@code maxRefreshAttemptsPerCall} times (default once); then its last
 *       response, a 401 included, is returned as it is. The rejected response is drained and closed first, so its
 *       connection goes back to the pool.</li>
 *   <li>A request whose entity is not repeatable ({@link HttpEntity#isRepeatable()} false, such as an
 *       {@code InputStreamEntity}) is sent once, with the token: a rejection reaches the caller unchanged, and the
 *       decorator learns of the rejected token from the next request that can be sent again.</li>
 *   <li>A request that already carries an {@code Authorization} header is sent unchanged, so a token request made
 *       through the same client keeps its client credentials.</li>
 *   <li>A request waiting for a refresh blocks its thread, at most for the decorator's {@code refreshTimeout}. It
 *       stops waiting at once when it is cancelled ({@code HttpUriRequestBase.cancel()}, from any thread) or its
 *       thread is interrupted, and fails with HttpClient's own {@link RequestFailedException} (an
 *       {@code InterruptedIOException}); nothing is sent for it, and the refresh goes on for the other requests.
 *       When no token can be had, the {@link TokenRefreshException} reaches the caller unchanged.</li>
 * </ul>
 */
public final class TokenRefreshExecChainHandler implements ExecChainHandler {

    /** The name to add the handler under, as in {@code addExecInterceptorFirst(NAME, handler)}. */
    public static final String NAME = "tokenrefresh4j";

    /**
     * A 401 whose {@code Bearer} challenge says {@code invalid_token} (RFC 6750 §3.1), read by
     * {@link BearerChallenge}, for responses of the classic and the async client alike.
     */
    public static final Predicate<Object> INVALID_TOKEN = EXCHANGE.invalidToken();

    private final TokenRefreshDecorator tokens;

    /**
     * @param tokens a decorator whose {@code refreshOnResult} recognises rejected responses, such as
     *               {@link #decorator(String, TokenRefresher)} builds
     * @throws NullPointerException if {@code tokens} is null
     */
    public TokenRefreshExecChainHandler(TokenRefreshDecorator tokens) {
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
    }

    /**
     * A decorator for both handlers, classic and async: it refreshes on {@link #INVALID_TOKEN} and drains and closes
     * a rejected classic response. For other options, pass {@code TokenRefreshConfig.custom()} to
     * {@link #configure(TokenRefreshConfig.Builder)}.
     *
     * @param name      the decorator's name, used in events, metrics and messages
     * @param refresher obtains new tokens
     * @return the decorator
     * @throws NullPointerException naming the parameter that is null
     */
    public static TokenRefreshDecorator decorator(String name, TokenRefresher refresher) {
        return EXCHANGE.decorator(name, refresher);
    }

    /**
     * Sets what {@link #decorator(String, TokenRefresher)} sets on a configuration whose other options stay:
     * {@code TokenRefreshDecorator.of("orders-api", configure(TokenRefreshConfig.custom().refreshTimeout(d)).build(),
     * refresher)}.
     *
     * @param config the configuration to complete
     * @return the same builder
     * @throws NullPointerException if {@code config} is null
     */
    public static TokenRefreshConfig.Builder configure(TokenRefreshConfig.Builder config) {
        return EXCHANGE.configure(config);
    }

    @Override
    public ClassicHttpResponse execute(ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
        throws IOException, HttpException {
        if (EXCHANGE.hasOwnCredentials(request)) {
            return chain.proceed(request, scope);
        }
        HttpEntity entity = request.getEntity();
        CheckedFunction<AccessToken, HttpResponse> send =
            token -> chain.proceed((ClassicHttpRequest) EXCHANGE.attach(request, token), scope);
        CancellableExecution<HttpResponse> execution = CancellableExecution.of(
            entity == null || entity.isRepeatable()
                ? send : Unjudged.onRejection(tokens.getTokenRefreshConfig().getRefreshOnResult(), send),
            message -> new RequestFailedException("request " + message));
        WaitCancellation cancellation = new WaitCancellation(scope, execution);
        try {
            return (ClassicHttpResponse) execution.run(tokens, null, cancellation::arm);
        } catch (IOException | HttpException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e); // unreachable: proceed throws nothing else
        }
    }

    /** Names the decorator, never a token. */
    @Override
    public String toString() {
        return "TokenRefreshExecChainHandler{" + tokens.getName() + '}';
    }

    /**
     * The request's cancellable dependency while it waits for a token ({@code HttpUriRequestBase.cancel()} calls
     * it): it ends the wait, then cancels the exec runtime as HttpClient's own dependency does. HttpClient puts its
     * own in place once an attempt leases a connection, so it is put back before each wait.
     */
    private static final class WaitCancellation implements Cancellable {

        private final CancellableDependency request;
        private final ExecRuntime runtime;
        private final CancellableExecution<?> execution;

        WaitCancellation(ExecChain.Scope scope, CancellableExecution<?> execution) {
            this.request = scope.originalRequest instanceof CancellableDependency
                ? (CancellableDependency) scope.originalRequest : null;
            this.runtime = scope.execRuntime;
            this.execution = execution;
        }

        void arm() {
            if (request != null) {
                request.setDependency(this);
                if (request.isCancelled()) {
                    execution.cancel(); // cancelled before this was set: HttpUriRequestBase would not call it
                }
            }
        }

        @Override
        public boolean cancel() {
            execution.cancel();
            return !(runtime instanceof Cancellable) || ((Cancellable) runtime).cancel();
        }
    }
}
