package io.genpipe.runtime.step;

import io.genpipe.api.data.PortSpec;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One step of a running pipeline, built and checked before the run starts. Besides running, a step declares what
 * a runner needs to execute it anywhere: the columns it reads and, for a global step, its combine; its definition
 * ({@link BuiltinStep}) says how it executes ({@link StepKind}) and aggregates ({@link Aggregation}).
 */
public interface Step {

    /**
     * The columns this step's output batches carry, given each input's columns. Called during
     * validation, in topological order.
     *
     * @throws io.genpipe.api.GenpipeException naming the column, the expected and the found when an
     *     input lacks a column the step needs or has it with another dtype or shape
     */
    List<PortSpec> outputs(List<StepInput> inputs);

    /**
     * Consumes the inputs and emits output batches until the inputs are exhausted. Runs in its
     * own thread. Every batch taken from an input is owned by the step: emit it or close it.
     */
    void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception;

    /**
     * The names of this step's outputs when it sends rows to several ({@code route}: one per test, and {@code
     * default}), read downstream as {@code step.name}; empty for a step with one output.
     */
    default List<String> outputNames() {
        return List.of();
    }

    /**
     * Why this step, having run, passed none of its input rows on, when it can tell (e.g. a filter on a tag no row
     * has); the runner adds it to its empty-result warning. Empty by default, and where the step ran elsewhere.
     */
    default Optional<String> whyEmpty() {
        return Optional.empty();
    }

    /**
     * The columns this step reads from its inputs (besides every row's metadata), from its parameters; empty when
     * it may read any of them. A runner may hand it rows carrying only these (Spark's column pruning).
     */
    default Optional<Set<String>> readsColumns() {
        return Optional.empty();
    }

    /**
     * How many of its input's first rows (in row order) this step reads at most, from its parameters (a grid's
     * {@code limit}); it ignores the rest. A runner may stop sending it rows after them. Empty: every row.
     */
    default OptionalLong readsFirst() {
        return OptionalLong.empty();
    }

    /**
     * For a global step that aggregates with a combine ({@link Aggregation#COMBINE}): the combine, which a runner
     * may run over any slicing of the rows.
     */
    default Optional<RowCombine<?>> combine() {
        return Optional.empty();
    }

    /**
     * For a source that reads its rows in shards (files, record ranges of a file): how, so that a runner may read
     * each shard where its rows are processed. {@link #run} reads every shard in order; empty for other steps.
     */
    default Optional<ShardedSource> sharded() {
        return Optional.empty();
    }

    /**
     * For a global step that decides from its rows' metadata ({@link Aggregation#METADATA}): how it decides in
     * passes over slices of its rows, so that a runner need not gather them; empty where it cannot (a runner then
     * runs the step itself over the rows' metadata).
     */
    default Optional<SliceDecision> decision() {
        return Optional.empty();
    }

    /** For a sink whose file is its rows' bytes in order: how it writes that file in parts; empty otherwise. */
    default Optional<PartedSink> parts() {
        return Optional.empty();
    }
}
