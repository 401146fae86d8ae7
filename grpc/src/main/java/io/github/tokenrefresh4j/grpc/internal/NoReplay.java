package io.github.tokenrefresh4j.grpc.internal;

/**
 * Ends the decorator's second attempt of a streaming call, which is never replayed: the rejected stream already
 * closed with its own status. It extends {@link Throwable} directly so that a {@code refreshOnException} written
 * for exceptions never matches it, and the decorator neither accepts nor rejects a token for it. No stack trace.
 */
final class NoReplay extends Throwable {

    private static final long serialVersionUID = 1L;

    static final NoReplay INSTANCE = new NoReplay();

    private NoReplay() {
        super("a streaming call is not replayed", null, false, false);
    }
}
