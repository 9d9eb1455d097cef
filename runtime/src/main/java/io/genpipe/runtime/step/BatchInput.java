package io.genpipe.runtime.step;

import io.genpipe.api.data.Batch;

/** The batches one upstream step sends, in order. */
public interface BatchInput {

    /**
     * The next batch, now owned by the caller, or null when the upstream step has finished.
     *
     * @throws InterruptedException when the run is being cancelled
     */
    Batch next() throws InterruptedException;
}
