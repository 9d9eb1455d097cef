package io.genpipe.runtime.component;

import io.genpipe.api.GenpipeException;
import java.util.List;

/** A component's parameters did not check out; every problem is listed. */
public final class ParameterException extends GenpipeException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;
    private final List<String> parameters;

    /**
     * @param problems one message per problem
     * @param parameters the parameter each problem concerns, index by index
     */
    public ParameterException(List<String> problems, List<String> parameters) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
        this.parameters = List.copyOf(parameters);
    }

    public List<String> problems() {
        return problems;
    }

    /** The parameter each problem concerns (same order as {@link #problems()}). */
    public List<String> parameters() {
        return parameters;
    }
}
