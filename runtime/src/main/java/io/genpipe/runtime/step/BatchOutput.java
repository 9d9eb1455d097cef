package io.genpipe.runtime.step;

import io.genpipe.api.data.Batch;

/** Where a step sends its batches; blocks while downstream queues are full (back-pressure). */
public interface BatchOutput {

    /**
     * Hands {@code batch} downstream; ownership goes with it.
     *
     * @throws InterruptedException when the run is being cancelled
     */
    void emit(Batch batch) throws InterruptedException;

    /**
     * Where the batches for the named output {@code name} go, for a step with several ({@link Step#outputNames()}).
     *
     * @throws IllegalStateException for a step with one output
     */
    default BatchOutput to(String name) {
        throw new IllegalStateException("this step has one output; it has no output '" + name + "'");
    }
}
