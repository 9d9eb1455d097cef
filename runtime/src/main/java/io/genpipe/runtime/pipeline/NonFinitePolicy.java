package io.genpipe.runtime.pipeline;

import io.genpipe.runtime.component.Labels;
import java.util.Optional;

/** What a NaN or infinite value in a component's output does: a pipeline's {@code nonFinite:}. */
public enum NonFinitePolicy implements Labels.Labelled {
    /** The step fails, naming the column and row (the default). */
    FAIL("fail"),
    /** A warning names it once, and the value is passed on. */
    WARN("warn");

    private final String label;

    NonFinitePolicy(String label) {
        this.label = label;
    }

    /** As written in a pipeline file. */
    @Override
    public String label() {
        return label;
    }

    /** The policy {@code text} names, if it names one. */
    public static Optional<NonFinitePolicy> parse(String text) {
        return Labels.parse(NonFinitePolicy.class, text);
    }

    @Override
    public String toString() {
        return label;
    }
}
