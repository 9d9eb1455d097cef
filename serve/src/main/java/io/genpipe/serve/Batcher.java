package io.genpipe.serve;

import io.genpipe.api.data.Batch;
import java.util.concurrent.CompletableFuture;

/** How a served model takes requests: dynamic batching ({@link DynamicBatcher}) or continuous ({@link ContinuousBatcher}). */
interface Batcher extends AutoCloseable {

    /** What a model's batches look like, for its metrics. */
    interface Listener {
        void batch(int rows, double queueSeconds, double inferSeconds);
    }

    ServedModel model();

    /** Requests waiting now. */
    int depth();

    /**
     * Queues {@code request} (its batch now owned here) and returns its future output.
     *
     * @throws RequestException 429 when the queue is full, 503 while shutting down
     */
    CompletableFuture<Batch> submit(InferenceCodec.Request request);

    /** Takes no more requests, answers those queued and running, then stops. */
    @Override
    void close();
}
