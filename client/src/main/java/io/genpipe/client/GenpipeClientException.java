package io.genpipe.client;

/**
 * A request the server refused or could not answer, or a server that could not be reached: the HTTP status
 * (a gRPC status is given as the HTTP status genpipe serve maps to it; 0: no answer at all) and the
 * server's message.
 */
public final class GenpipeClientException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    public GenpipeClientException(int status, String message) {
        super(message);
        this.status = status;
    }

    public GenpipeClientException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The HTTP status (400, 404, 413, 429, 503, 504, ...), or 0 when no answer came. */
    public int status() {
        return status;
    }

    /** Whether trying again later may succeed: the server was busy (429) or not available (503). */
    public boolean retryable() {
        return status == 429 || status == 503;
    }
}
