package io.genpipe.serve;

/** A request genpipe serve refuses: the HTTP status and a message saying what would be right. */
public final class RequestException extends RuntimeException {

    private final int status;

    public RequestException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
