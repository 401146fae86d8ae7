package io.github.tokenrefresh4j;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A refresher for the adapters' secrets tests: the first call issues a token with a known value, every later call
 * fails as an unreachable token endpoint does, so that a test can drive an adapter to its failure strings and look
 * for the value in them.
 */
public final class OneTokenThenFailure implements TokenRefresher {

    private final String value;
    private final AtomicInteger calls = new AtomicInteger();

    /** @param value the value of the one token issued */
    public OneTokenThenFailure(String value) {
        this.value = value;
    }

    @Override
    public AccessToken refresh(AccessToken current) throws IOException {
        if (calls.getAndIncrement() == 0) {
            return AccessToken.of(value);
        }
        throw new IOException("token endpoint unreachable");
    }
}
