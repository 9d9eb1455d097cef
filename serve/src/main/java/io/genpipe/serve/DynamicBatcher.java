package io.genpipe.serve;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.text.TokenListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Dynamic batching for one served model, in the manner of Triton's dynamic batcher: requests wait
 * in a bounded queue; one worker takes the oldest, gathers more for at most {@code maxQueueDelayMs}
 * or until {@code maxBatchSize} rows, runs the component once over all their rows and hands each
 * request its own rows back. A full queue refuses at once (429). When a gathered batch fails with a
 * {@link GenpipeException} (a row the component refuses), each request is run alone, so one bad
 * request fails by itself and the others still get their answers. Closing stops taking requests,
 * finishes those already queued, then stops the worker.
 */
final class DynamicBatcher implements Batcher {

    private record Pending(InferenceCodec.Request request, CompletableFuture<Batch> done, long enqueued) {
        int rows() {
            return request.batch().rows();
        }
    }

    private final ServedModel model;
    private final int maxBatchSize;
    private final long maxDelayNanos;
    private final BlockingQueue<Pending> queue;
    private final int queueCapacity;
    private final Listener listener;
    private final Thread worker;
    private volatile boolean closing;
    private Pending carried;

    DynamicBatcher(ServedModel model, int maxBatchSize, long maxQueueDelayMs, int queueCapacity, Listener listener) {
        this.model = model;
        this.maxBatchSize = maxBatchSize;
        this.maxDelayNanos = TimeUnit.MILLISECONDS.toNanos(maxQueueDelayMs);
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.queueCapacity = queueCapacity;
        this.listener = listener;
        this.worker = new Thread(this::work, "genpipe-serve-" + model.name);
        this.worker.setDaemon(true);
        this.worker.start();
    }

    @Override
    public ServedModel model() {
        return model;
    }

    @Override
    public int depth() {
        return queue.size() + (carried != null ? 1 : 0);
    }

    /** The configured queue capacity (size + remaining capacity read apart could race into a wrong sum). */
    int capacity() {
        return queueCapacity;
    }

    /**
     * Queues {@code request} (its batch now owned here) and returns its future output.
     *
     * @throws RequestException 429 when the queue is full, 503 while shutting down
     */
    @Override
    public CompletableFuture<Batch> submit(InferenceCodec.Request request) {
        if (closing) {
            request.batch().close();
            throw new RequestException(
                    503, "the server is shutting down; model " + model.name + " takes no new requests");
        }
        Pending p = new Pending(request, new CompletableFuture<>(), System.nanoTime());
        if (!queue.offer(p)) {
            request.batch().close();
            throw new RequestException(
                    429,
                    "model " + model.name + "'s queue is full (queueCapacity " + capacity()
                            + " requests waiting); retry later");
        }
        return p.done();
    }

    private void work() {
        while (true) {
            Pending first;
            try {
                first = carried != null ? carried : queue.poll(100, TimeUnit.MILLISECONDS);
                carried = null;
            } catch (InterruptedException e) {
                break;
            }
            if (first == null) {
                if (closing && queue.isEmpty()) {
                    break;
                }
                continue;
            }
            List<Pending> group = new ArrayList<>();
            group.add(first);
            int rows = first.rows();
            long deadline = System.nanoTime() + maxDelayNanos;
            while (rows < maxBatchSize) {
                Pending next;
                try {
                    long wait = deadline - System.nanoTime();
                    next = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
                } catch (InterruptedException e) {
                    next = null;
                }
                if (next == null) {
                    break;
                }
                if (rows + next.rows() > maxBatchSize) {
                    carried = next; // starts the next batch
                    break;
                }
                group.add(next);
                rows += next.rows();
            }
            run(group, rows);
        }
    }

    private void run(List<Pending> group, int rows) {
        long start = System.nanoTime();
        double queued = (start - group.get(0).enqueued()) / 1e9;
        if (group.size() == 1) {
            Pending p = group.get(0);
            Batch out = null;
            Throwable failed = null;
            try (Batch in = p.request().batch()) {
                out = model.apply(in, listenerFor(group));
                Map<String, Object> metrics = model.takeMetrics();
                if (metrics != null) {
                    p.request().answer().put("metrics", metrics); // a served pipeline's metrics go with its answer
                }
            } catch (Throwable e) {
                failed = e;
            }
            // recorded before the answer is handed over, so whoever sees the answer sees the batch counted
            listener.batch(rows, queued, (System.nanoTime() - start) / 1e9);
            if (failed != null) {
                p.done().completeExceptionally(failed);
            } else {
                p.done().complete(out);
            }
            return;
        }
        List<Batch> inputs = new ArrayList<>();
        group.forEach(p -> inputs.add(p.request().batch()));
        Batch out = null;
        try (Batch in = Batch.concat(inputs)) {
            out = model.apply(in, listenerFor(group));
        } catch (GenpipeException e) {
            // a row some request sent is refused: run each alone so only that request fails
            listener.batch(rows, queued, (System.nanoTime() - start) / 1e9);
            for (Pending p : group) {
                run(List.of(p), p.rows());
            }
            return;
        } catch (Throwable e) {
            listener.batch(rows, queued, (System.nanoTime() - start) / 1e9);
            group.forEach(p -> {
                p.request().batch().close();
                p.done().completeExceptionally(e);
            });
            return;
        }
        listener.batch(rows, queued, (System.nanoTime() - start) / 1e9);
        try (Batch all = out) {
            int from = 0;
            for (Pending p : group) {
                int n = p.rows();
                p.request().batch().close();
                p.done().complete(all.slice(from, from + n));
                from += n;
            }
        }
    }

    /** Routes a batch's streamed pieces to the requests that asked for them, by row offset. */
    private static TokenListener listenerFor(List<Pending> group) {
        if (group.stream().allMatch(p -> p.request().listener() == null)) {
            return TokenListener.NONE;
        }
        int total = group.stream().mapToInt(Pending::rows).sum();
        TokenListener[] byRow = new TokenListener[total];
        int[] local = new int[total];
        int at = 0;
        for (Pending p : group) {
            for (int r = 0; r < p.rows(); r++) {
                byRow[at] = p.request().listener();
                local[at++] = r;
            }
        }
        return new TokenListener() {
            @Override
            public void onText(int row, String piece) {
                if (byRow[row] != null) {
                    byRow[row].onText(local[row], piece);
                }
            }

            @Override
            public void onFinish(int row, String reason) {
                if (byRow[row] != null) {
                    byRow[row].onFinish(local[row], reason);
                }
            }

            @Override
            public boolean cancelled(int row) {
                return byRow[row] != null && byRow[row].cancelled(local[row]);
            }
        };
    }

    /** Takes no more requests, answers those queued, then stops. */
    @Override
    public void close() {
        closing = true;
        try {
            worker.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // a request that slipped in as the worker stopped: refused, not left waiting
        for (Pending p = queue.poll(); p != null; p = queue.poll()) {
            p.request().batch().close();
            p.done()
                    .completeExceptionally(new RequestException(
                            503, "the server is shutting down; model " + model.name + " takes no new requests"));
        }
    }
}
