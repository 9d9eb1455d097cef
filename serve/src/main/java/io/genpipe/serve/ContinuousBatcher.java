package io.genpipe.serve;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.text.ContinuousDecoder;
import io.genpipe.api.text.StopRule;
import io.genpipe.api.text.TokenGenerator;
import io.genpipe.api.text.TokenListener;
import io.genpipe.api.text.TokenSampler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Continuous (iteration-level) batching for a token generator, in the manner of TGI's router: one worker runs
 * the decode loop; between two steps, requests waiting join the running batch (up to {@code maxBatchSize}
 * rows), and a request leaves it the step it ends — so a request never waits for the longest one in flight,
 * and a short one is answered as soon as it is done. Each row is decoded exactly as it would be alone (its own
 * random source from its seed; the model pads and masks), so its text is the same whoever it ran with.
 */
final class ContinuousBatcher implements Batcher {

    private static final RandomSource FIXED = new RandomSource(0);

    private record Pending(
            InferenceCodec.Request request,
            CompletableFuture<Batch> done,
            long enqueued,
            TokenSampler sampler,
            StopRule stop) {}

    private final ServedModel model;
    private final TokenGenerator generator;
    private final int maxBatchSize;
    private final BlockingQueue<Pending> queue;
    private final Listener listener;
    private final Thread worker;
    private final List<Pending> running = new ArrayList<>();
    private volatile boolean closing;
    private double joinedWait;

    ContinuousBatcher(
            ServedModel model, TokenGenerator generator, int maxBatchSize, int queueCapacity, Listener listener) {
        this.model = model;
        this.generator = generator;
        this.maxBatchSize = maxBatchSize;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.listener = listener;
        this.worker = new Thread(this::work, "genpipe-serve-" + model.name);
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /** Whether {@code model} can be served this way: a token generator whose step model takes rows as it decodes. */
    static TokenGenerator joinable(ServedModel model) {
        if (!(model.component instanceof TokenGenerator g)) {
            return null;
        }
        try (ContinuousDecoder d = g.continuousDecoder()) {
            return d == null ? null : g;
        }
    }

    @Override
    public ServedModel model() {
        return model;
    }

    @Override
    public int depth() {
        return queue.size();
    }

    @Override
    public CompletableFuture<Batch> submit(InferenceCodec.Request request) {
        return submit(request, null, null);
    }

    /**
     * A batcher that submits here with a request's own sampler chain and stop rule: requests with different
     * sampling parameters still decode in one batch, each row with its own.
     */
    Batcher with(TokenSampler sampler, StopRule stop) {
        ContinuousBatcher shared = this;
        return new Batcher() {
            @Override
            public ServedModel model() {
                return model;
            }

            @Override
            public int depth() {
                return shared.depth();
            }

            @Override
            public CompletableFuture<Batch> submit(InferenceCodec.Request request) {
                return shared.submit(request, sampler, stop);
            }

            @Override
            public void close() {
                // the shared batcher closes with its model
            }
        };
    }

    private CompletableFuture<Batch> submit(InferenceCodec.Request request, TokenSampler sampler, StopRule stop) {
        if (closing) {
            request.batch().close();
            throw new RequestException(
                    503, "the server is shutting down; model " + model.name + " takes no new requests");
        }
        Pending p = new Pending(request, new CompletableFuture<>(), System.nanoTime(), sampler, stop);
        if (!queue.offer(p)) {
            request.batch().close();
            throw new RequestException(
                    429,
                    "model " + model.name + "'s queue is full (queueCapacity "
                            + (queue.size() + queue.remainingCapacity()) + " requests waiting); retry later");
        }
        return p.done();
    }

    private void work() {
        ContinuousDecoder decoder = null;
        try {
            while (true) {
                if (running.isEmpty()) {
                    Pending first;
                    try {
                        first = queue.poll(50, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (first == null) {
                        if (closing && queue.isEmpty()) {
                            return;
                        }
                        continue;
                    }
                    if (decoder == null) {
                        decoder = generator.continuousDecoder();
                    }
                    admit(decoder, first);
                } else if (decoder.canJoin()) {
                    admit(decoder, null);
                }
                if (running.isEmpty()) {
                    continue;
                }
                long start = System.nanoTime();
                int rows = decoder.rows();
                double waited = joinedWait;
                joinedWait = 0;
                try {
                    decoder.step();
                } catch (RuntimeException e) {
                    // the step failed for every row in it: each request gets the reason, the decoder starts over
                    List<Pending> failed = new ArrayList<>(running);
                    running.clear();
                    decoder.close();
                    decoder = null;
                    for (Pending p : failed) {
                        p.request().batch().close();
                        p.done().completeExceptionally(e);
                    }
                    continue;
                }
                // a step's rows, the longest wait of the requests that joined it, the step's time
                listener.batch(rows, waited, (System.nanoTime() - start) / 1e9);
            }
        } finally {
            if (decoder != null) {
                decoder.close();
            }
            for (Pending p = queue.poll(); p != null; p = queue.poll()) {
                p.request().batch().close();
                p.done()
                        .completeExceptionally(new RequestException(
                                503, "the server is shutting down; model " + model.name + " takes no new requests"));
            }
        }
    }

    /** Moves waiting requests (and {@code first}) into the running batch, up to maxBatchSize rows. */
    private void admit(ContinuousDecoder decoder, Pending first) {
        List<ContinuousDecoder.Member> joining = new ArrayList<>();
        List<Pending> admitted = new ArrayList<>();
        Pending next = first;
        while (running.size() + admitted.size() < maxBatchSize) {
            if (next == null) {
                next = queue.poll();
                if (next == null) {
                    break;
                }
            }
            Pending p = next;
            next = null;
            TokenListener pieces = p.request().listener() == null
                    ? TokenListener.NONE
                    : p.request().listener();
            joinedWait = Math.max(joinedWait, (System.nanoTime() - p.enqueued()) / 1e9);
            try {
                joining.add(
                        p.sampler() == null
                                ? generator.member(p.request().batch(), FIXED, pieces, out -> finished(p, out))
                                : generator.member(
                                        p.request().batch(),
                                        FIXED,
                                        pieces,
                                        out -> finished(p, out),
                                        p.sampler(),
                                        p.stop()));
                admitted.add(p);
            } catch (GenpipeException e) {
                p.request().batch().close();
                p.done().completeExceptionally(e);
            }
        }
        if (joining.isEmpty()) {
            return;
        }
        try {
            decoder.join(joining);
            running.addAll(admitted);
        } catch (RuntimeException e) {
            for (Pending p : admitted) {
                p.request().batch().close();
                p.done().completeExceptionally(e);
            }
        }
    }

    private void finished(Pending p, Batch out) {
        running.remove(p);
        p.request().batch().close();
        p.done().complete(out);
    }

    @Override
    public void close() {
        closing = true;
        try {
            worker.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
