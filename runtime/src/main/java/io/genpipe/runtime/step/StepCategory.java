package io.genpipe.runtime.step;

/** What a built-in step is for, as listings group them: it reads data, changes rows, evaluates, or writes. */
public enum StepCategory {
    /** Makes rows (reads a file, draws latents). */
    SOURCE("source"),
    /** Changes, selects or reorders rows. */
    TRANSFORM("transform"),
    /** Computes metrics over rows. */
    EVAL("eval"),
    /** Writes rows (or a summary of them) into the output folder. */
    SINK("sink");

    private final String label;

    StepCategory(String label) {
        this.label = label;
    }

    /** The word listings print: source, transform, eval, sink. */
    public String label() {
        return label;
    }
}
