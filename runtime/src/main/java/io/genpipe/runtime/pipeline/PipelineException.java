package io.genpipe.runtime.pipeline;

import io.genpipe.api.GenpipeException;
import java.util.List;

/** A pipeline file is invalid; every problem found is listed, in file order. */
public final class PipelineException extends GenpipeException {

    private static final long serialVersionUID = 1L;

    private final List<Problem> problems;

    public PipelineException(List<Problem> problems) {
        super(format(problems));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }

    private static String format(List<Problem> problems) {
        StringBuilder sb = new StringBuilder();
        for (Problem p : problems) {
            if (sb.length() > 0) {
                sb.append(System.lineSeparator());
            }
            sb.append(p);
        }
        return sb.toString();
    }
}
