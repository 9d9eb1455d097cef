package io.genpipe.runtime.pipeline;

import io.genpipe.runtime.component.Labels;
import java.util.Optional;

/**
 * What a step that turns rows into none does: a pipeline's {@code emptyResult:} ({@code genpipe run --strict} sets
 * fail). Sources, sinks, evaluations and steps reading one output of a route are not checked.
 */
public enum EmptyResultPolicy implements Labels.Labelled {
    /** A warning names the step and how many rows it had (printed and in run.json; the default). */
    WARN("warn"),
    /** The run fails, naming the step. */
    FAIL("fail");

    private final String label;

    EmptyResultPolicy(String label) {
        this.label = label;
    }

    /** As written in a pipeline file. */
    @Override
    public String label() {
        return label;
    }

    /** The policy {@code text} names, if it names one. */
    public static Optional<EmptyResultPolicy> parse(String text) {
        return Labels.parse(EmptyResultPolicy.class, text);
    }

    @Override
    public String toString() {
        return label;
    }
}
