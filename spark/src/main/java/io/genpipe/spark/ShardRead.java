package io.genpipe.spark;

import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.runtime.pipeline.PipelinePlan;
import io.genpipe.runtime.pipeline.run.RunFailure;
import io.genpipe.runtime.step.ShardedSource;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.TaskCompletionListener;

/**
 * A sharded source read on the executors: each partition holds one shard, which the step rebuilt there reads (a
 * file through its storage — Hadoop's FileSystem for {@code hdfs://}, {@code s3a://}). The rows stream out as the
 * reader emits them (a reader thread a batch or two ahead), keyed (shard, position), so a task holds a few batches
 * whatever the shard's size, and the order is the local runner's.
 */
final class ShardRead implements Function2<Integer, Iterator<ShardedSource.Shard>, Iterator<SparkRow>>, Serializable {

    private static final long serialVersionUID = 1L;

    private final JobSpec spec;
    private final String step;
    private final CollectionAccumulator<Segment.Tally> tallies;

    ShardRead(JobSpec spec, String step, CollectionAccumulator<Segment.Tally> tallies) {
        this.spec = spec;
        this.step = step;
        this.tallies = tallies;
    }

    /** What the reader thread hands over: a batch, the end, or its failure. */
    private record Item(Batch batch, Throwable failure) {}

    private static final Item END = new Item(null, null);

    @Override
    public Iterator<SparkRow> call(Integer partition, Iterator<ShardedSource.Shard> shards) {
        if (!shards.hasNext()) {
            return Collections.emptyIterator();
        }
        ShardedSource.Shard shard = shards.next();
        PipelinePlan plan = ExecutorRuntime.borrow(spec);
        PipelinePlan.Planned planned = ExecutorRuntime.step(plan, step);
        ShardedSource source = planned.step()
                .sharded()
                .orElseThrow(() -> new IllegalStateException("step " + step + " reads no shards"));
        BlockingQueue<Item> queue = new ArrayBlockingQueue<>(2);
        Map<String, Object> metrics = new LinkedHashMap<>();
        SparkStepContext context = new SparkStepContext(
                step,
                plan.definition(),
                Path.of(System.getProperty("java.io.tmpdir")),
                new RandomSource(plan.definition().seed()).fork(step),
                metrics,
                new HashMap<>(),
                line -> System.err.println("genpipe: step '" + step + "': " + line));
        long t0 = System.nanoTime();
        Thread reader = new Thread(
                () -> {
                    Item last = END;
                    try {
                        source.read(shard, batch -> queue.put(new Item(batch, null)), context);
                    } catch (InterruptedException e) {
                        return; // the task ended first
                    } catch (Throwable e) {
                        last = new Item(null, e);
                    }
                    try {
                        queue.put(last);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "genpipe-shard-" + step + "-" + shard.index());
        reader.setDaemon(true);
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) t -> {
                reader.interrupt();
                Item left;
                while ((left = queue.poll()) != null) {
                    if (left.batch() != null) {
                        left.batch().close();
                    }
                }
                ExecutorRuntime.release(spec, plan);
            });
        }
        reader.start();
        return new Iterator<>() {
            private final Deque<SparkRow> ready = new ArrayDeque<>();
            private long position;
            private boolean done;

            @Override
            public boolean hasNext() {
                while (ready.isEmpty() && !done) {
                    Item item;
                    try {
                        item = queue.take();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw RunFailure.interrupted();
                    }
                    if (item.failure() != null) {
                        done = true;
                        throw RunFailure.inStep(step, planned.definition().location(), item.failure());
                    }
                    if (item.batch() == null) {
                        done = true;
                        tallies.add(new Segment.Tally(
                                step, "", partition, position, System.nanoTime() - t0, Map.copyOf(metrics)));
                        break;
                    }
                    try (Batch b = item.batch()) {
                        for (byte[] row : RowCodec.encode(b)) {
                            ready.add(new SparkRow(RowKey.of(position++).under(shard.index()), row));
                        }
                    }
                }
                return !ready.isEmpty();
            }

            @Override
            public SparkRow next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.poll();
            }
        };
    }
}
