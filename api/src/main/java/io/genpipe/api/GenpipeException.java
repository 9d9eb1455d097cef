package io.genpipe.api;

/**
 * The root of genpipe's exceptions. Messages are written for the person running the pipeline:
 * what was wrong, where (file:line, step, jar, model) and what would be right.
 */
public class GenpipeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public GenpipeException(String message) {
        super(message);
    }

    public GenpipeException(String message, Throwable cause) {
        super(message, cause);
    }
}
