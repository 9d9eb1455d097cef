package io.genpipe.runtime.step;

import io.genpipe.api.data.Batch;
import java.io.Serializable;

/**
 * A global step's aggregation in the shape of Beam's {@code CombineFn}: one accumulator per slice of the rows,
 * each fed that slice's batches, merged in any grouping, and extracted once. A runner may create one accumulator
 * for the whole input (the local runner) or one per partition on many machines (Spark): the result is the same.
 *
 * <pre>{@code
 * RowCombine<long[]> rows = new RowCombine<>() {
 *     public long[] create() { return new long[1]; }
 *     public long[] add(long[] a, Batch batch) { a[0] += batch.rows(); return a; }
 *     public long[] merge(long[] a, long[] b) { a[0] += b[0]; return a; }
 *     public void extract(long[] a, StepContext context) { context.metric("rows", null, a[0]); }
 * };
 * }</pre>
 *
 * @param <A> the accumulator: serializable, since a distributed runner moves it between machines
 */
public interface RowCombine<A extends Serializable> extends Serializable {

    /** A new, empty accumulator. */
    A create();

    /** {@code accumulator} with {@code rows} added (it may be changed in place and returned); the caller closes rows. */
    A add(A accumulator, Batch rows);

    /** The two accumulators' rows together (either may be changed in place and returned). */
    A merge(A a, A b);

    /** Records what was aggregated (metrics, side values) once every row was added. */
    void extract(A accumulator, StepContext context);

    /**
     * Runs the whole combine over {@code input} on one thread, passing each batch on to {@code output} (or closing
     * it when {@code output} is null): what a step with a combine does in the local runner.
     */
    static <A extends Serializable> void runLocally(
            RowCombine<A> combine, BatchInput input, BatchOutput output, StepContext context) throws Exception {
        A accumulator = combine.create();
        for (Batch b = input.next(); b != null; b = input.next()) {
            try {
                accumulator = combine.add(accumulator, b);
            } catch (RuntimeException e) {
                b.close();
                throw e;
            }
            if (output != null) {
                output.emit(b);
            } else {
                b.close();
            }
        }
        combine.extract(accumulator, context);
    }
}
