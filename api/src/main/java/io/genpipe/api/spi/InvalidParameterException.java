package io.genpipe.api.spi;

import io.genpipe.api.GenpipeException;

/**
 * A factory's verdict on one parameter's value (out of range, inconsistent with another). Thrown
 * from {@code create}, it lets the host point at that parameter's line in a pipeline file.
 */
public class InvalidParameterException extends GenpipeException {

    private static final long serialVersionUID = 1L;

    private final String parameter;

    /**
     * @param parameter the parameter's name, as in {@link ParameterSpec#name()}
     * @param message what is wrong and what would be right
     */
    public InvalidParameterException(String parameter, String message) {
        super(message);
        this.parameter = parameter;
    }

    public String parameter() {
        return parameter;
    }
}
