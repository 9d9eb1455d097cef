package io.genpipe.runtime.step;

/**
 * How a step executes: the contract between the engine and any runner (local or distributed).
 *
 * <ul>
 *   <li>{@link #SOURCE}: makes rows from nothing (a file, a count of draws); assigns each row's id.
 *   <li>{@link #ROW_WISE}: each output row depends only on its input row and the step's random
 *       stream forked by that row's id (components, filter, threshold, repeat, ...), so a runner may
 *       cut, batch and distribute rows freely.
 *   <li>{@link #GLOBAL}: needs all rows, or all rows of a class, before it can emit (quantiles,
 *       top-k, per-class quotas, a defined concatenation order, evaluations); its {@link Aggregation}
 *       says how a runner may execute it.
 *   <li>{@link #SINK}: writes rows into the output folder and passes nothing on.
 *   <li>{@link #FINAL}: runs once every other step has ended and run.json is written, from the run's
 *       summary ({@link FinalStep}): the report.
 * </ul>
 */
public enum StepKind {
    SOURCE("source"),
    ROW_WISE("row-wise"),
    GLOBAL("global"),
    SINK("sink"),
    FINAL("final");

    private final String label;

    StepKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
