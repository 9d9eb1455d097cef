package io.genpipe.runtime.step;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * How a global step that decides from its rows' metadata decides where the rows are: passes over the rows, slice
 * by slice (a partition on Spark), each slice's accumulator handed back in row order; then, per slice, what becomes
 * of each row (its new metadata, or dropped). The rows keep their order. A runner holds accumulators and the
 * mappers, never rows: this is how the Spark engine runs flag-quantile, take, take-per-class, relabel and concat
 * exactly, with the local runner's results.
 *
 * <p>With several inputs the slices are the first input's, then the second's, and so on (concat's order).
 */
public interface SliceDecision extends Serializable {

    /** The first pass, or null when the step decides without looking at its rows (concat). */
    Pass<?> first();

    /**
     * The mappers when {@link #first} is null: every row as it is.
     *
     * @param slices how many slices there are
     */
    default Apply withoutPasses(int slices) {
        List<SliceMapper> all = new ArrayList<>();
        for (int i = 0; i < slices; i++) {
            all.add(SliceMapper.UNCHANGED);
        }
        return new Apply(all);
    }

    /**
     * One pass over every slice: an accumulator per slice, fed its batches in row order (each batch carries the
     * rows' metadata and the columns the step reads).
     *
     * @param <A> the accumulator, serializable: it travels from where the slice is to the runner
     */
    interface Pass<A extends Serializable> extends Serializable {
        A create();

        /**
         * The accumulator of a slice of input {@code input}: for a step of several inputs, each slice holds rows of
         * one input (the slices of input 0 first, then those of input 1, ...), and its accumulator is made knowing
         * which. A pass of a one-input step need not override this.
         */
        default A create(int input) {
            return create();
        }

        /** {@code accumulator} with {@code rows} added (it may be changed in place); the caller closes rows. */
        A add(A accumulator, Batch rows);

        /**
         * What follows, given every slice's accumulator in row order: another pass, or the mappers. Runs where the
         * runner is (the driver), where the step publishes its side values and records its metrics.
         */
        Outcome next(List<A> slices, StepContext context) throws InterruptedException;
    }

    /**
     * A pass whose accumulators may be merged in any grouping (sums of counts): the runner may merge them where
     * they are made and hand {@link Pass#next} one accumulator for all slices (a list of one), so that what it
     * holds does not grow with the number of slices. Its {@code next} returns {@link Again}, or, for a step that
     * passes no rows on (a histogram, an evaluation), mappers that are not used.
     */
    interface Mergeable<A extends Serializable> extends Pass<A> {
        /** The two accumulators' rows together (either may be changed in place and returned). */
        A merge(A a, A b);
    }

    /**
     * A pass over the rows in ascending order of one float64 column (an exact rank statistic: AUROC): the runner
     * sorts the rows (a distributed sort on Spark) and cuts them into slices in that order, never cutting between
     * rows of equal values ({@code -0.0} and {@code 0.0} are equal); within a slice, rows of equal values come in
     * no particular order. A sorted pass belongs to a one-input step, and its {@code next} is given the slices'
     * accumulators in ascending order; a second sorted pass over the same column sees the same slices.
     */
    interface Sorted<A extends Serializable> extends Pass<A> {
        /** The float64 [batch] (or [batch,1]) column that orders the rows. */
        String orderBy();

        /** A value as the sort compares it: {@code -0.0} as {@code 0.0}. */
        static double key(double value) {
            return value == 0 ? 0.0 : value;
        }
    }

    /** What follows a pass. */
    sealed interface Outcome permits Again, Apply {}

    /** Another pass. */
    record Again(Pass<?> pass) implements Outcome {}

    /** The end: one mapper per slice, in order. */
    record Apply(List<SliceMapper> mappers) implements Outcome {}

    /** What becomes of one slice's rows: fed its batches in order (metadata and the read columns). */
    interface SliceMapper extends Serializable {

        /** Every row as it is. */
        SliceMapper UNCHANGED = rows -> rows.meta();

        /** For each row of {@code rows}, in order: its metadata from now on, or null to drop the row. */
        List<RowMeta> map(Batch rows);
    }

    /**
     * A mapper of a step that reorders its rows (top-k): besides their metadata, the kept rows' new positions in
     * the step's output.
     */
    interface Reordering extends SliceMapper {
        /** The positions of the rows the last {@link #map} kept, in the order it returned them. */
        long[] positions();
    }
}
