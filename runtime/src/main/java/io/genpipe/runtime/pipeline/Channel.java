package io.genpipe.runtime.pipeline;

import io.genpipe.api.data.Batch;
import io.genpipe.runtime.step.BatchInput;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The connection from one step's output to one consumer's input: batches in order, then an end.
 * A bounded channel makes a fast producer wait for a slow consumer (memory stays flat); an
 * unbounded one buffers what a consumer is not reading yet (the second input of concat, the input
 * of a step waiting for a side value), so a producer shared with another consumer is never held up.
 * Whatever is left in a channel when a run ends is closed with {@link #drain()}.
 */
final class Channel implements BatchInput {

    private static final Object END = new Object();

    private final String producer;
    private final String consumer;
    private final BlockingQueue<Object> queue;

    private Channel(String producer, String consumer, BlockingQueue<Object> queue) {
        this.producer = producer;
        this.consumer = consumer;
        this.queue = queue;
    }

    /** A channel holding at most {@code capacity} batches. */
    static Channel bounded(String producer, String consumer, int capacity) {
        return new Channel(producer, consumer, new ArrayBlockingQueue<>(capacity));
    }

    /** A channel that never makes its producer wait. */
    static Channel unbounded(String producer, String consumer) {
        return new Channel(producer, consumer, new LinkedBlockingQueue<>());
    }

    /** Hands {@code batch} (and its ownership) to the consumer; waits while a bounded channel is full. */
    void put(Batch batch) throws InterruptedException {
        queue.put(batch);
    }

    /** The producer has emitted everything. */
    void end() throws InterruptedException {
        queue.put(END);
    }

    /** The next batch, owned by the caller, or null once the producer has ended (and on every later call). */
    @Override
    public Batch next() throws InterruptedException {
        Object o = queue.take();
        if (o == END) {
            queue.put(END);
            return null;
        }
        return (Batch) o;
    }

    /** Closes every batch still in the channel. */
    void drain() {
        Object o;
        while ((o = queue.poll()) != null) {
            if (o instanceof Batch) {
                ((Batch) o).close();
            }
        }
    }

    @Override
    public String toString() {
        return producer + " -> " + consumer;
    }
}
