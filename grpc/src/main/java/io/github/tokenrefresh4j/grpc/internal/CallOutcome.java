package io.github.tokenrefresh4j.grpc.internal;

import io.grpc.Metadata;
import io.grpc.Status;

/**
 * How one attempt of a call ended, as the decorator judges it: its status and trailers, and for a unary call the
 * response headers and message it buffered. Its {@code toString} shows the status code only.
 */
public final class CallOutcome {

    final Status status;
    final Metadata trailers;
    final Metadata headers;
    final Object message;

    CallOutcome(Status status, Metadata trailers, Metadata headers, Object message) {
        this.status = status;
        this.trailers = trailers;
        this.headers = headers;
        this.message = message;
    }

    /** @return an outcome with this status and empty trailers, as a failed attempt or a configuration probe has */
    public static CallOutcome of(Status status) {
        return new CallOutcome(status, new Metadata(), null, null);
    }

    /** @return the attempt's status */
    public Status status() {
        return status;
    }

    @Override
    public String toString() {
        return "CallOutcome{" + status.getCode() + '}';
    }
}
