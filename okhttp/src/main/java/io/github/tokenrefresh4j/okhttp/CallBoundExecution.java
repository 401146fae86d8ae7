package io.github.tokenrefresh4j.okhttp;

import io.github.resilience4j.core.functions.CheckedFunction;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.internal.CancellableExecution;
import okhttp3.Call;

import java.io.IOException;
import java.io.InterruptedIOException;

/**
 * Runs one decorated call on OkHttp's call thread with core's {@link CancellableExecution}, whose wait for a refresh
 * ends as soon as the OkHttp call is cancelled: by {@link Call#cancel()} or by its {@code callTimeout}, whose
 * watchdog cancels the call. OkHttp offers interceptors no cancellation callback, so the wait polls
 * {@link Call#isCanceled()}.
 */
final class CallBoundExecution {

    private CallBoundExecution() {
    }

    /**
     * @param call the OkHttp call whose cancellation ends a wait, or null when unknown (then only the decorator's
     *             refresh timeout bounds it)
     * @return the outcome the decorator settles on
     * @throws IOException the attempt's own IOException; an {@link InterruptedIOException} when the call was cancelled
     *                     or this thread interrupted while it waited; an IOException caused by the
     *                     {@link TokenRefreshException} when no token could be had
     */
    static <R> R execute(TokenRefreshDecorator tokens, Call call, CheckedFunction<AccessToken, R> attempt)
        throws IOException {
        try {
            return CancellableExecution.of(attempt, message -> new InterruptedIOException("call " + message))
                .run(tokens, call == null ? null : call::isCanceled, null);
        } catch (TokenRefreshException e) {
            throw new IOException(e.getMessage(), e); // OkHttp expects IOException from interceptors
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }
}
