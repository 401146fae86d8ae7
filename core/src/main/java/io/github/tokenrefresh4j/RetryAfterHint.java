package io.github.tokenrefresh4j;

import java.time.Duration;
import java.util.Optional;

/**
 * Implemented by a refresher's exception that knows when asking the token endpoint again makes sense: the
 * {@code Retry-After} of a {@code 429} or {@code 503}, or a long pause after a refusal that asking again soon cannot
 * change ({@code invalid_grant}, {@code invalid_client}). The decorator's failure cooldown after that failure lasts
 * at least this long: the longer of the hint and the configured {@code failureCooldown}. The pause shows in the
 * {@link TokenRefreshException} message ("next attempt allowed in ..."), in
 * {@link io.github.tokenrefresh4j.event.TokenRefreshFailedEvent#getCooldown()} and in
 * {@link TokenRefreshDecorator.Metrics#getCooldownEnd()}.
 *
 * <pre>{@code
 * class RateLimited extends Exception implements RetryAfterHint {
 *     private final Duration wait;
 *
 *     RateLimited(Duration wait) {
 *         super("token endpoint answered 429; Retry-After " + wait.toSeconds() + "s");
 *         this.wait = wait;
 *     }
 *
 *     public Optional<Duration> getRetryAfterHint() {
 *         return Optional.of(wait);
 *     }
 * }
 * }</pre>
 *
 * <p>The decorator looks for it on the refresher's exception and its causes. {@code OAuth2TokenRefresher}'s
 * {@code TokenEndpointException} implements it.
 */
public interface RetryAfterHint {

    /**
     * @return the shortest wait before the refresher is called again; empty to leave it to the decorator's
     *         {@code failureCooldown}. A negative duration counts as none.
     */
    Optional<Duration> getRetryAfterHint();
}
