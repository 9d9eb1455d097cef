package io.genpipe.runtime.component;

import io.genpipe.api.GenpipeException;
import java.util.List;

/** A component's parameters did not check out; every problem is listed. */
public final class ParameterException extends GenpipeException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public ParameterException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
