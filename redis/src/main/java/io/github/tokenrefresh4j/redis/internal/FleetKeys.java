package io.github.tokenrefresh4j.redis.internal;

import java.util.Objects;

/**
 * The Redis names of one credential. They share a hash tag, so that on a Redis Cluster they hash to one slot and the
 * multi-key scripts never fail with CROSSSLOT: {@code tokens:orders-api} gives {@code {tokens:orders-api}},
 * {@code {tokens:orders-api}:lock}, {@code {tokens:orders-api}:failure}, {@code {tokens:orders-api}:inflight} and the
 * channel
 * {@code {tokens:orders-api}:events}. A key that already has a hash tag ({@code app:{orders}}) is used as it is.
 */
public final class FleetKeys {

    private final String name;
    private final String token;

    /** @param name the key name the user chose */
    public FleetKeys(String name) {
        this.name = Objects.requireNonNull(name, "key must not be null");
        this.token = hasHashTag(name) ? name : '{' + name + '}';
    }

    /** The tag rule of Redis Cluster: the first '{' followed, later, by a '}' with something between them. */
    static boolean hasHashTag(String key) {
        int open = key.indexOf('{');
        if (open < 0) {
            return false;
        }
        int close = key.indexOf('}', open + 1);
        return close > open + 1;
    }

    /** @return the key name the user chose: the associated data of an encrypted token, and the name in messages */
    public String name() {
        return name;
    }

    /** @return the hash holding the shared token */
    public String token() {
        return token;
    }

    /** @return the refresh lock */
    public String lock() {
        return token + ":lock";
    }

    /** @return the record of a failed refresh */
    public String failure() {
        return token + ":failure";
    }

    /** @return the mark of a refresh in flight: who, since when, which generation and refresh token it presents */
    public String inFlight() {
        return token + ":inflight";
    }

    /** @return the pub/sub channel of wake-ups */
    public String events() {
        return token + ":events";
    }
}
