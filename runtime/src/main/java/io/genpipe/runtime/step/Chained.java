package io.genpipe.runtime.step;

import io.genpipe.api.data.Batch;
import java.util.List;

/**
 * A step that runs a chain of other steps itself (a loop, {@link Aggregation#ROUNDS}): the pipeline's validation
 * builds and checks the chain written under its {@code steps:} and hands it over before the run.
 */
public interface Chained {

    /** Receives the chain, in order: the first step reads this step's rows, each next one the step before it. */
    void chain(List<Link> links);

    /** The chain, as handed over (for runners that run it themselves). */
    List<Link> links();

    /**
     * Runs the loop as {@link Step#run} does, but with each round's rows run through the chain by {@code rounds}: a
     * runner that spreads a round over workers (the Spark engine: one stage per round) gives its own.
     */
    void run(List<BatchInput> inputs, BatchOutput output, StepContext context, Rounds rounds) throws Exception;

    /** Runs one round's rows through the chain. */
    interface Rounds {
        /**
         * What the chain's last step emitted for {@code rows} (which the caller closes), in row order; the caller
         * owns the batches returned.
         */
        List<Batch> run(Batch rows, int round) throws Exception;
    }

    /**
     * One step of the chain.
     *
     * @param id its id (unique in the pipeline)
     * @param step the built step
     * @param aggregation null for a row-wise step, {@link Aggregation#COMBINE} for a combine (count)
     */
    record Link(String id, Step step, Aggregation aggregation) {}
}
