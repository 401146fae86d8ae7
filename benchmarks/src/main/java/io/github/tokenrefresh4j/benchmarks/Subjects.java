package io.github.tokenrefresh4j.benchmarks;

import com.google.auth.oauth2.OAuth2Credentials;
import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefresher;
import software.amazon.awssdk.utils.cache.CachedSupplier;
import software.amazon.awssdk.utils.cache.RefreshResult;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The libraries under test, each wrapped around the same kind of token source: the first token comes at once, every
 * later one after a fixed refresh time, and each source counts its refreshes and notes when the first one ended.
 */
final class Subjects {

    static final Duration ONE_HOUR = Duration.ofHours(1);

    private Subjects() {
    }

    /** Parks the calling thread for {@code nanos}, waking early only to park again. */
    static void parkFor(long nanos) {
        long deadline = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    /** A token source: the first token at once, the next ones after {@code refreshTime}. */
    static final class Source {
        private final long refreshNanos;
        private final Duration firstLifetime;
        private final AtomicInteger calls = new AtomicInteger();
        private final AtomicInteger refreshes = new AtomicInteger();
        private volatile long firstRefreshEndNanos;

        Source(Duration refreshTime, Duration firstLifetime) {
            this.refreshNanos = refreshTime.toNanos();
            this.firstLifetime = firstLifetime;
        }

        /** @return the lifetime of the token this call hands out */
        Duration next() {
            if (calls.getAndIncrement() == 0) {
                return firstLifetime;
            }
            parkFor(refreshNanos);
            if (refreshes.incrementAndGet() == 1) {
                firstRefreshEndNanos = System.nanoTime();
            }
            return ONE_HOUR;
        }

        /** @return how many refreshes ran after the first token */
        int refreshes() {
            return refreshes.get();
        }

        long firstRefreshEndNanos() {
            return firstRefreshEndNanos;
        }
    }

    /** Our refresher over a {@link Source}. */
    static TokenRefresher ours(Source source) {
        AtomicInteger count = new AtomicInteger();
        return current -> {
            Duration lifetime = source.next();
            return AccessToken.of("ours-" + count.incrementAndGet(), Instant.now().plus(lifetime));
        };
    }

    /** AWS SDK v2's cache over a {@link Source}, with its defaults (one caller blocks to prefetch, strict expiry). */
    static CachedSupplier<AccessToken> aws(Source source) {
        AtomicInteger count = new AtomicInteger();
        return CachedSupplier.builder(() -> {
            Duration lifetime = source.next();
            Instant expiresAt = Instant.now().plus(lifetime);
            AccessToken token = AccessToken.of("aws-" + count.incrementAndGet(), expiresAt);
            // Prefetch a fifth of the lifetime ahead, like the SDK's own credential providers do.
            return RefreshResult.builder(token)
                .staleTime(expiresAt)
                .prefetchTime(expiresAt.minus(lifetime.dividedBy(5)))
                .build();
        }).cachedValueName("benchmark").build();
    }

    /**
     * Google's base credentials with its default margins, starting from {@code initialExpiry} (already past for a
     * storm). Refreshes go to the {@link Source}.
     */
    static GoogleCredentials google(Source source, Instant initialExpiry) {
        return new GoogleCredentials(source, initialExpiry);
    }

    /** Google's {@code OAuth2Credentials} as a user subclasses it: only {@code refreshAccessToken} is written. */
    static final class GoogleCredentials extends OAuth2Credentials {
        private static final long serialVersionUID = 1L;
        private final transient Source source;
        private final AtomicInteger count = new AtomicInteger();

        GoogleCredentials(Source source, Instant initialExpiry) {
            super(new com.google.auth.oauth2.AccessToken("google-0", Date.from(initialExpiry)));
            this.source = source;
            source.calls.incrementAndGet(); // the initial token counts as the first one
        }

        @Override
        public com.google.auth.oauth2.AccessToken refreshAccessToken() {
            Duration lifetime = source.next();
            return new com.google.auth.oauth2.AccessToken("google-" + count.incrementAndGet(),
                Date.from(Instant.now().plus(lifetime)));
        }
    }

    /** The holder people write first: one lock around an expiry check and the refresh. */
    static final class SynchronizedHolder {
        private final Source source;
        private AccessToken token;

        SynchronizedHolder(Source source) {
            this.source = source;
        }

        synchronized AccessToken get() {
            if (token == null || !Instant.now().isBefore(token.expiresAt().orElseThrow())) {
                token = AccessToken.of("naive", Instant.now().plus(source.next()));
            }
            return token;
        }
    }
}
