package io.github.tokenrefresh4j.examples;

import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.TokenRefresher;
import okhttp3.Interceptor;
import okhttp3.Response;

import java.io.IOException;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Recipe: an OkHttp application {@link Interceptor} that adds {@code Authorization: Bearer} with the decorator's
 * token and lets the decorator handle {@code 401 invalid_token}: one refresh however many calls are rejected
 * together, then each call is sent again with the new token.
 *
 * <pre>{@code
 * TokenRefreshDecorator tokens = BearerTokenInterceptor.decorator("orders-api", refresher);
 * OkHttpClient client = new OkHttpClient.Builder()
 *     .addInterceptor(new BearerTokenInterceptor(tokens))
 *     .build();
 * }</pre>
 *
 * <p>A rejected response that the decorator discards to send the call again is closed by it first (a
 * {@code Response} is {@link AutoCloseable}; see {@code TokenRefreshConfig.consumeResultBeforeRetryAttempt}), as
 * OkHttp requires before an interceptor proceeds a second time. When the call cannot
 * get a token, the {@link TokenRefreshException} reaches OkHttp as the cause of an {@link IOException}, the type
 * OkHttp expects from an interceptor.
 */
public final class BearerTokenInterceptor implements Interceptor {

    /** A 401 whose challenge says {@code invalid_token} (RFC 6750 §3.1): the one answer a new token can fix. */
    public static final Predicate<Object> INVALID_TOKEN = result -> result instanceof Response
        && ((Response) result).code() == 401
        && ((Response) result).headers("WWW-Authenticate").stream()
            .anyMatch(challenge -> challenge.startsWith("Bearer") && challenge.contains("invalid_token"));

    private final TokenRefreshDecorator tokens;

    /**
     * @param tokens a decorator whose {@code refreshOnResult} recognises rejected responses, such as
     *               {@link #decorator(String, TokenRefresher)} builds
     * @throws NullPointerException if {@code tokens} is null
     */
    public BearerTokenInterceptor(TokenRefreshDecorator tokens) {
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
    }

    /** A decorator that refreshes when the server answers {@link #INVALID_TOKEN}. */
    public static TokenRefreshDecorator decorator(String name, TokenRefresher refresher) {
        return TokenRefreshDecorator.of(name,
            TokenRefreshConfig.custom().refreshOnResult(INVALID_TOKEN).build(),
            refresher);
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        try {
            return tokens.executeCheckedFunction(token -> chain.proceed(chain.request().newBuilder()
                .header("Authorization", "Bearer " + token.value())
                .build()));
        } catch (IOException | RuntimeException | Error e) {
            if (e instanceof TokenRefreshException) {
                throw new IOException(e.getMessage(), e);
            }
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }
}
