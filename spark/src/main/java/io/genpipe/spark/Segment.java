package io.genpipe.spark;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.pipeline.Location;
import io.genpipe.runtime.pipeline.PipelinePlan;
import io.genpipe.runtime.pipeline.run.RunFailure;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.Chained;
import io.genpipe.runtime.step.Step;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.TaskCompletionListener;

/**
 * A chain of row-wise steps fused into one {@code mapPartitionsWithIndex}: the partition's rows are cut
 * into chunks of about the pipeline's batch size (fewer when the chain multiplies rows), each chunk runs through the real steps one after the other
 * (a component re-batches to its own batch size), and the rows that come out get the chunk's first key
 * followed by their position. Row-wise steps depend only on their rows and their per-row-id draws, so
 * chunking changes nothing in what they emit. Each partition's rows and metrics per step (summed over its chunks)
 * go to the driver through an accumulator, tagged by partition, so a recomputed partition is counted once.
 */
final class Segment implements Function2<Integer, Iterator<SparkRow>, Iterator<SparkRow>>, Serializable {

    private static final long serialVersionUID = 1L;

    /**
     * What one step did in one partition (its chunks summed).
     *
     * @param step the step id
     * @param stage "" for the pipeline's own stages, {@code LOOP@rR} for round R of a loop's chain
     * @param partition the partition of the segment's input
     * @param rows rows the step emitted
     * @param nanos time in the step
     * @param metrics what the step recorded (summed over chunks on the driver)
     */
    record Tally(String step, String stage, int partition, long rows, long nanos, Map<String, Object> metrics)
            implements Serializable {}

    /** Two chunks' tallies of one step in one partition, added. */
    private static Tally plus(Tally a, Tally b) {
        Map<String, Object> metrics = new LinkedHashMap<>(a.metrics());
        // a group (a map) is kept as it is: the driver names it as a metric it cannot sum
        b.metrics().forEach((k, v) -> metrics.merge(k, v, (x, y) -> x instanceof Map ? x : SparkEngine.sum(x, y)));
        return new Tally(a.step(), a.stage(), a.partition(), a.rows() + b.rows(), a.nanos() + b.nanos(), metrics);
    }

    private final JobSpec spec;
    private final List<String> steps;
    private final Map<String, Object> sides;
    private final CollectionAccumulator<Tally> tallies;
    private final String loop;
    private final int round;

    Segment(JobSpec spec, List<String> steps, Map<String, Object> sides, CollectionAccumulator<Tally> tallies) {
        this(spec, steps, sides, tallies, null, 0);
    }

    /**
     * Round {@code round} of the chain of loop {@code loop} (null: the pipeline's own steps): its steps are the
     * chain's, each with the random source the local loop gives it (the loop's, forked by the step's id).
     */
    Segment(
            JobSpec spec,
            List<String> steps,
            Map<String, Object> sides,
            CollectionAccumulator<Tally> tallies,
            String loop,
            int round) {
        this.spec = spec;
        this.steps = List.copyOf(steps);
        this.sides = new HashMap<>(sides);
        this.tallies = tallies;
        this.loop = loop;
        this.round = round;
    }

    List<String> steps() {
        return steps;
    }

    @Override
    public Iterator<SparkRow> call(Integer partition, Iterator<SparkRow> rows) {
        PipelinePlan plan = ExecutorRuntime.borrow(spec);
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) t -> ExecutorRuntime.release(spec, plan));
        }
        Map<String, PipelinePlan.Planned> byId = new HashMap<>();
        plan.steps().forEach(p -> byId.put(p.id(), p));
        List<Step> chain = new ArrayList<>();
        if (loop == null) {
            for (String s : steps) {
                chain.add(byId.get(s).step());
            }
        } else {
            Map<String, Step> links = new HashMap<>();
            ((Chained) byId.get(loop).step()).links().forEach(l -> links.put(l.id(), l.step()));
            for (String s : steps) {
                chain.add(links.get(s));
            }
        }
        int chunkRows = plan.definition().batchSize();
        return new Iterator<>() {
            private final Deque<SparkRow> ready = new ArrayDeque<>();
            private final Map<String, Tally> totals = new LinkedHashMap<>();
            private boolean told;
            private int chunk;
            private long in;
            private long out;

            @Override
            public boolean hasNext() {
                if (chunk == 0 && !rows.hasNext()) {
                    run(plan, chain, partition, List.of(), ready, totals); // no rows: the steps still record metrics
                    chunk++;
                }
                while (ready.isEmpty() && rows.hasNext()) {
                    // chunks of the batch size, but a chain that multiplies rows (repeat) gets fewer input rows per
                    // chunk, so that about a batch comes out of each: what a task holds stays bounded. The first
                    // chunk is a small probe. Where chunks end changes no row (row-wise steps) and no order (keys).
                    int size = chunk == 0
                            ? Math.min(chunkRows, 16)
                            : out == 0 ? chunkRows : (int) Math.max(1, Math.min(chunkRows, chunkRows * in / out));
                    List<SparkRow> next = new ArrayList<>(size);
                    while (next.size() < size && rows.hasNext()) {
                        next.add(rows.next());
                    }
                    in += next.size();
                    int before = ready.size();
                    run(plan, chain, partition, next, ready, totals);
                    chunk++;
                    out += ready.size() - before;
                }
                if (!rows.hasNext() && !told) {
                    // the partition's totals, once: what the driver holds grows with partitions, not chunks
                    told = true;
                    totals.values().forEach(tallies::add);
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

    private void run(
            PipelinePlan plan,
            List<Step> chain,
            int partition,
            List<SparkRow> in,
            Deque<SparkRow> out,
            Map<String, Tally> totals) {
        Path scratch = scratch();
        List<byte[]> data = new ArrayList<>(in.size());
        in.forEach(r -> data.add(r.data()));
        RowKey first = in.isEmpty() ? null : in.get(0).key();
        List<Batch> current = new ArrayList<>();
        try {
            if (!in.isEmpty()) {
                current.add(RowCodec.decode(data));
            }
            for (int i = 0; i < chain.size(); i++) {
                String id = steps.get(i);
                Map<String, Object> metrics = new LinkedHashMap<>();
                RandomSource seed = new RandomSource(plan.definition().seed());
                SparkStepContext context = new SparkStepContext(
                        id,
                        plan.definition(),
                        scratch,
                        loop == null ? seed.fork(id) : seed.fork(loop).fork(id),
                        metrics,
                        sides,
                        line -> System.err.println("genpipe: step '" + id + "': " + line));
                Deque<Batch> queue = new ArrayDeque<>(current);
                current.clear();
                BatchInput input = queue::poll;
                List<Batch> emitted = new ArrayList<>();
                long t0 = System.nanoTime();
                try {
                    chain.get(i).run(List.of(input), routed(emitted), context);
                } catch (Exception e) {
                    emitted.forEach(Batch::close);
                    queue.forEach(Batch::close);
                    throw RunFailure.inStep(id, location(plan, id), e);
                }
                queue.forEach(Batch::close);
                long rows = 0;
                for (Batch b : emitted) {
                    rows += b.rows();
                }
                totals.merge(
                        id,
                        new Tally(
                                id,
                                loop == null ? "" : loop + "@r" + round,
                                partition,
                                rows,
                                System.nanoTime() - t0,
                                metrics),
                        Segment::plus);
                current = emitted;
            }
            long position = 0;
            for (Batch b : current) {
                if (b.rows() > 0 && first == null) {
                    String last = steps.get(steps.size() - 1);
                    throw RunFailure.inStep(
                            last,
                            location(plan, last),
                            new GenpipeException(
                                    "it emitted rows from no rows; a row-wise step emits rows for the rows it reads"));
                }
                for (byte[] row : RowCodec.encode(b)) {
                    out.add(new SparkRow(first.child(position++), row));
                }
            }
        } finally {
            current.forEach(Batch::close);
        }
    }

    /** The tag a row carries, between a step with named outputs and its consumers, naming the output it went to. */
    static final String OUTPUT_TAG = "genpipe.output";

    /**
     * Collects a step's batches; a batch sent to a named output (a route's) has its rows tagged with the output's
     * name, so that each consumer reads its own (and the tag goes again before a consumer sees the rows).
     */
    private static BatchOutput routed(List<Batch> emitted) {
        return new BatchOutput() {
            @Override
            public void emit(Batch batch) {
                emitted.add(batch);
            }

            @Override
            public BatchOutput to(String name) {
                return batch -> {
                    List<RowMeta> meta = new ArrayList<>(batch.rows());
                    for (RowMeta m : batch.meta()) {
                        Map<String, String> tags = new LinkedHashMap<>(m.tags());
                        tags.put(OUTPUT_TAG, name);
                        meta.add(new RowMeta(m.id(), m.label(), m.source(), m.score(), tags));
                    }
                    emitted.add(batch.extend().meta(meta).build()); // the columns move to the tagged batch
                };
            }
        };
    }

    private static Location location(PipelinePlan plan, String id) {
        return plan.steps().stream()
                .filter(p -> p.id().equals(id))
                .findFirst()
                .map(p -> p.definition().location())
                .orElse(null);
    }

    private static volatile Path scratchFolder;

    /** A folder for steps that spill (none of the row-wise ones write outputs). */
    private static Path scratch() {
        Path p = scratchFolder;
        if (p == null) {
            synchronized (Segment.class) {
                if (scratchFolder == null) {
                    try {
                        scratchFolder = Files.createTempDirectory("genpipe-spark-");
                        scratchFolder.toFile().deleteOnExit();
                    } catch (IOException e) {
                        throw new GenpipeException("cannot make a scratch folder: " + e.getMessage(), e);
                    }
                }
                p = scratchFolder;
            }
        }
        return p;
    }
}
