package io.genpipe.runtime.step;

/**
 * How a global step ({@link StepKind#GLOBAL}) aggregates its rows, so that a runner can execute it without
 * knowing the step: the local runner streams every step the same way; a distributed runner chooses by this.
 */
public enum Aggregation {
    /**
     * Decides from the rows' metadata only (ids, labels, scores, tags) and emits a selection of its input rows,
     * possibly reordered, with possibly new metadata, and never a column it did not read: a runner may run the
     * step on the metadata alone and apply its decisions where the rows are (flag-quantile, top-k, take, concat,
     * relabel, take-per-class).
     */
    METADATA("decides from row metadata"),
    /**
     * A typed combine ({@link Step#combine()}): accumulators created, fed rows, merged and extracted in any
     * grouping; the step passes its rows on unchanged (count).
     */
    COMBINE("a combine over its rows"),
    /**
     * Needs its inputs' rows in order in one place, restricted to the columns it reads ({@link
     * Step#readsColumns()}) (evaluations, interpolate).
     */
    ROWS("all rows in order"),
    /**
     * A bounded loop ({@code refill}): it re-runs a chain of row-wise steps ({@link Chained}) on the rows still
     * missing, round after round, until every group has its count.
     */
    ROUNDS("re-runs its chain on the rows still missing");

    private final String label;

    Aggregation(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
