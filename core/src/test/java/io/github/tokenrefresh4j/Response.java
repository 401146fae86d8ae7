package io.github.tokenrefresh4j;

/** A stand-in for an HTTP response: the status and the token the call presented. */
final class Response {
    final int status;
    final String token;

    Response(int status, String token) {
        this.status = status;
        this.token = token;
    }

    int status() {
        return status;
    }

    static boolean isUnauthorized(Object result) {
        return result instanceof Response && ((Response) result).status() == 401;
    }

    @Override
    public String toString() {
        return status + " for " + token;
    }
}
