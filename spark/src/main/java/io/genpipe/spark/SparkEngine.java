package io.genpipe.spark;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.Pipeline;
import io.genpipe.runtime.io.PartFiles;
import io.genpipe.runtime.pipeline.PipelinePlan;
import io.genpipe.runtime.pipeline.RunResult;
import io.genpipe.runtime.pipeline.run.Cancellation;
import io.genpipe.runtime.pipeline.run.OutputFolder;
import io.genpipe.runtime.pipeline.run.RunFailure;
import io.genpipe.runtime.pipeline.run.RunLifecycle;
import io.genpipe.runtime.step.Aggregation;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.Chained;
import io.genpipe.runtime.step.PartedSink;
import io.genpipe.runtime.step.RowCombine;
import io.genpipe.runtime.step.ShardedSource;
import io.genpipe.runtime.step.SliceDecision;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepKind;
import io.genpipe.runtime.step.StepRef;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.CollectionAccumulator;

/**
 * Runs a pipeline file on Spark with the same results as the local runner (see docs/SPARK.md):
 * <ul>
 *   <li>sources run on the driver; their rows are parallelized with their positions as keys;
 *   <li>chains of row-wise steps fuse into one {@link Segment} ({@code mapPartitionsWithIndex}) on the
 *       executors, each executor rebuilding the plan once ({@link ExecutorRuntime});
 *   <li>global steps that decide from row metadata (flag-quantile, top-k, take-per-class, take, count,
 *       concat, relabel) run on the driver over the rows' metadata only: the real step decides, its
 *       decisions (new tags, labels, order) are broadcast and applied to the rows where they are, and the
 *       side values it publishes go to the row-wise steps planned after it;
 *   <li>evaluations and sinks that declare a {@link SliceDecision} (accuracy, AUROC from sorted partitions, the
 *       Fréchet distance from exact moments, histogram) aggregate in passes where the rows are; the driver holds
 *       their accumulators;
 *   <li>other evaluations, global steps and sinks run on the driver over the rows streamed to it in key
 *       order ({@code toLocalIterator}); run.json and report.html are written there.
 * </ul>
 * Outputs go to a temporary folder renamed into place only when the whole job succeeded.
 */
public final class SparkEngine {

    private final Genpipe host;
    private final JavaSparkContext sc;
    private final Path pluginsDir;
    private final Consumer<String> log;
    private int partitions;

    /**
     * @param host the driver's runtime (validates, runs driver-side steps)
     * @param pluginsDir the plugins folder the host was built with, shipped to executors; null for none
     */
    public SparkEngine(Genpipe host, JavaSparkContext sc, Path pluginsDir, Consumer<String> log) {
        this.host = host;
        this.sc = sc;
        this.pluginsDir = pluginsDir;
        this.log = log;
    }

    /**
     * How many partitions a source's rows are cut into (default: {@code spark.genpipe.partitions}, else twice
     * the default parallelism, never more than one per batch). The results do not depend on it.
     */
    public SparkEngine partitions(int count) {
        if (count < 1) {
            throw new GenpipeException("partitions must be >= 1, got " + count);
        }
        this.partitions = count;
        return this;
    }

    /** How many partitions the engine would like: set, {@code spark.genpipe.partitions}, or twice the parallelism. */
    private int wantedPartitions() {
        return partitions > 0
                ? partitions
                : sc.getConf().getInt("spark.genpipe.partitions", sc.defaultParallelism() * 2);
    }

    private int slices(int rows, int batchSize) {
        int wanted = wantedPartitions();
        return Math.max(1, Math.min(wanted, (rows + batchSize - 1) / batchSize));
    }

    /** A Spark session for genpipe jobs: the genpipe executor plugin enabled (it closes sessions at executor exit). */
    public static SparkSession session(String master, String appName) {
        // spark-submit's settings (system properties) are kept: genpipe's plugin joins any others
        SparkConf submitted = new SparkConf();
        String plugins = submitted.get("spark.plugins", "").trim();
        String ours = GenpipeSparkPlugin.class.getName();
        if (!Arrays.asList(plugins.split("\\s*,\\s*")).contains(ours)) {
            plugins = plugins.isEmpty() ? ours : plugins + "," + ours;
        }
        SparkSession.Builder b = SparkSession.builder().appName(appName).config("spark.plugins", plugins);
        if (master != null) {
            b.master(master);
            if (!submitted.contains("spark.ui.enabled")) {
                b.config("spark.ui.enabled", "false"); // a quick run from the launcher: no web UI on port 4040
            }
        }
        return b.getOrCreate();
    }

    /**
     * Validates {@code file} with {@code sets} applied and runs it into {@code out}.
     *
     * @throws io.genpipe.runtime.pipeline.PipelineException listing every problem (nothing ran)
     * @throws GenpipeException naming the step that failed; nothing is left behind
     */
    public RunResult run(Path file, List<String> sets, Long seed, Path out) {
        return run(prepare(file, sets, seed), out);
    }

    /**
     * A validated pipeline and what executors need to rebuild it, e.g. to show the plan before running it.
     *
     * @param plan the driver's plan
     * @param spec what executors rebuild it from, with the sha256 of the file and models the driver read
     */
    public record Prepared(PipelinePlan plan, JobSpec spec) {}

    /**
     * Validates {@code file} with {@code sets} (and {@code seed}, when not null) on the driver.
     *
     * @throws io.genpipe.runtime.pipeline.PipelineException listing every problem
     */
    public Prepared prepare(Path file, List<String> sets, Long seed) {
        Pipeline pipeline = host.pipeline(file);
        sets.forEach(pipeline::set);
        if (seed != null) {
            pipeline.seed(seed);
        }
        Map.Entry<PipelinePlan, Map<String, String>> validated = host.withModelsLoaded(pipeline::plan);
        PipelinePlan plan = validated.getKey();
        Map<String, String> models = validated.getValue();
        List<String> files = new ArrayList<>();
        if (pluginsDir != null) {
            // every file of the plugins folder goes to the executors (Spark ships files, not local folders, to a
            // cluster); each executor puts them back into a folder of the same shape
            Map<String, String> names = new HashMap<>();
            try (Stream<Path> walk = Files.walk(pluginsDir.toAbsolutePath())) {
                for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
                    String relative =
                            pluginsDir.toAbsolutePath().relativize(f).toString().replace('\\', '/');
                    String name = f.getFileName().toString();
                    String other = names.putIfAbsent(name, relative);
                    if (other != null) {
                        throw new GenpipeException(
                                "plugins folder " + pluginsDir + " has two files named " + name + " (" + other + ", "
                                        + relative + "); the Spark engine ships them by name: rename one");
                    }
                    sc.sc().addFile(f.toString());
                    files.add(relative);
                }
            } catch (IOException e) {
                throw new GenpipeException("cannot read plugins folder " + pluginsDir + ": " + e.getMessage(), e);
            }
        }
        int taskCpus = sc.getConf().getInt("spark.task.cpus", 1);
        JobSpec spec = new JobSpec(
                plan.definition().file().toAbsolutePath().toString(),
                sets,
                seed,
                null,
                files,
                true,
                taskCpus,
                plan.definition().sha256(),
                models);
        return new Prepared(plan, spec);
    }

    /**
     * Runs a pipeline {@link #prepare}d on the driver into {@code out}.
     *
     * @throws GenpipeException naming the step that failed; nothing is left behind
     */
    public RunResult run(Prepared prepared, Path out) {
        return new RunLifecycle(host, log)
                .run(prepared.plan(), out, new Execution(prepared.spec(), null), new Cancellation());
    }

    /**
     * Runs a pipeline {@link #prepare}d on the driver into {@code out}: a local path as {@link #run(Prepared, Path)}
     * does, or a folder on a Hadoop file system ({@code hdfs://}, {@code s3a://}), which must not exist: there the
     * JSON-lines, CSV and text sinks write one part file per partition from the executors, the driver adds its files
     * and the {@code _SUCCESS} manifest, and the folder appears only when the whole run succeeded.
     *
     * @return the run's result; for a Hadoop folder, its {@code outputFolder()} is null (the folder is {@code out})
     * @throws GenpipeException naming the step that failed, or the folder when it exists; nothing is left behind
     */
    public RunResult run(Prepared prepared, String out) {
        if (!RemoteOutput.isRemote(out)) {
            return run(prepared, Path.of(out));
        }
        RemoteOutput remote =
                RemoteOutput.claim(out, sc.sc().applicationId() + "-" + System.nanoTime(), sc.hadoopConfiguration());
        Path local;
        try {
            local = Files.createTempDirectory("genpipe-out-");
        } catch (IOException e) {
            remote.abort();
            throw new GenpipeException("cannot make a temporary folder for the driver's files: " + e.getMessage(), e);
        }
        boolean committed = false;
        try {
            Execution execution = new Execution(prepared.spec(), remote);
            RunResult result = new RunLifecycle(host, log)
                    .run(prepared.plan(), local.resolve("run"), execution, new Cancellation());
            Map<String, Object> about = new LinkedHashMap<>();
            about.put("pipeline", prepared.plan().definition().name());
            about.put("applicationId", sc.sc().applicationId());
            remote.commit(result.outputFolder(), execution.parted, about);
            committed = true;
            return new RunResult(null, result.metrics(), result.steps(), result.seconds());
        } finally {
            if (!committed) {
                remote.abort();
            }
            OutputFolder.deleteTree(local);
        }
    }

    /** How the lifecycle's steps run here: as Spark jobs planned from the step contract. */
    private final class Execution implements RunLifecycle.Engine {
        private final JobSpec spec;
        private final RemoteOutput remote;
        private final List<PartFiles.PartedFile> parted = new ArrayList<>();

        Execution(JobSpec spec, RemoteOutput remote) {
            this.spec = spec;
            this.remote = remote;
        }

        @Override
        public List<RunResult.StepResult> execute(
                PipelinePlan plan, Path folder, Map<String, Object> metrics, Cancellation cancellation) {
            Job job = new Job(plan, spec, metrics, folder, remote, parted);
            StageProgress progress = new StageProgress(log);
            sc.sc().addSparkListener(progress);
            try {
                job.execute();
                List<RunResult.StepResult> steps = job.results();
                steps.forEach(st -> log.accept(st.line())); // as the local runner logs them
                return steps;
            } catch (Exception e) { // SparkException is checked, thrown from Scala undeclared
                throw failure(e);
            } finally {
                sc.sc().removeSparkListener(progress);
                job.release();
            }
        }

        @Override
        public Map<String, Object> runJsonFields() {
            Map<String, Object> spark = new LinkedHashMap<>();
            SparkContext context = sc.sc();
            spark.put("applicationId", context.applicationId());
            spark.put("master", context.master());
            spark.put("executors", Math.max(1, context.getExecutorMemoryStatus().size() - (context.isLocal() ? 0 : 1)));
            spark.put("version", context.version());
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("engine", "spark");
            fields.put("spark", spark);
            return fields;
        }
    }

    private static boolean fromSpark(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SparkException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The failure to report: the run's own (a step's, on the driver or carried from a task by Spark as the cause of
     * its exception), else the Spark job's.
     */
    private static RunFailure failure(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RunFailure f) {
                return f;
            }
        }
        return RunFailure.engine(e instanceof GenpipeException ? e.getMessage() : "the Spark job failed: " + e, e);
    }

    /** One run's state on the driver. */
    private final class Job {
        private final PipelinePlan plan;
        private final JobSpec spec;
        private final Map<String, Object> metrics;
        private final Map<String, Object> sides = new HashMap<>();
        private final Map<String, PipelinePlan.Planned> byId = new LinkedHashMap<>();
        private final Map<String, JavaRDD<SparkRow>> data = new HashMap<>();
        private final Map<String, Pending> pending = new HashMap<>();
        private final Map<String, long[]> driverStats = new HashMap<>(); // rows, nanos
        private final List<JavaRDD<SparkRow>> persisted = new ArrayList<>();
        private final List<Broadcast<?>> broadcasts = new ArrayList<>();
        private final CollectionAccumulator<Segment.Tally> tallies;
        private final Path folder;
        private final RemoteOutput remote;
        private final List<PartFiles.PartedFile> parted;

        Job(
                PipelinePlan plan,
                JobSpec spec,
                Map<String, Object> metrics,
                Path folder,
                RemoteOutput remote,
                List<PartFiles.PartedFile> parted) {
            this.remote = remote;
            this.parted = parted;
            this.plan = plan;
            this.spec = spec;
            this.metrics = metrics;
            this.folder = folder;
            plan.steps().forEach(p -> byId.put(p.id(), p));
            // unnamed: Spark keeps a named accumulator's value in every finished task's and stage's status, on the
            // driver
            this.tallies = sc.sc().collectionAccumulator();
        }

        void execute() {
            for (PipelinePlan.Planned p : plan.steps()) {
                long t0 = System.nanoTime();
                if (p.execution() == StepKind.ROW_WISE) {
                    String input = p.definition().inputs().get(0);
                    Pending before = pending.remove(input);
                    if (before != null && byId.get(input).consumers().size() == 1) {
                        before.steps.add(p.id());
                        pending.put(p.id(), before);
                    } else {
                        if (before != null) {
                            pending.put(input, before);
                        }
                        pending.put(p.id(), new Pending(dataset(input), new ArrayList<>(List.of(p.id()))));
                    }
                    continue;
                }
                if (p.execution() == StepKind.FINAL) {
                    continue; // the lifecycle runs it from the run's summary
                }
                if (p.execution() == StepKind.SOURCE && p.step().sharded().isPresent()) {
                    data.put(p.id(), keep(p, shards(p, p.step().sharded().get())));
                } else if (p.execution() == StepKind.SOURCE) {
                    data.put(p.id(), keep(p, parallelize(onDriver(p, List.of()))));
                } else if (p.aggregation() == Aggregation.COMBINE) {
                    data.put(
                            p.id(),
                            combine(
                                    p,
                                    p.step()
                                            .combine()
                                            .orElseThrow(() -> new IllegalStateException("step '" + p.id()
                                                    + "' aggregates with a combine but declares none"))));
                } else if (p.aggregation() == Aggregation.METADATA) {
                    data.put(p.id(), keep(p, decide(p)));
                } else if (remote != null && p.step().parts().isPresent()) {
                    // a sink writing its file in parts: one per partition, from the executors, into the Hadoop folder
                    PartedSink sink = p.step().parts().get();
                    List<String> files = sink.files(p.id());
                    List<String> folders =
                            files.stream().map(remote::partsFolder).toList();
                    JavaRDD<SparkRow> rows = dataset(p.definition().inputs().get(0));
                    Set<String> reads = p.step().readsColumns().orElse(null);
                    if (reads != null) {
                        rows = rows.map(r -> new SparkRow(r.key(), RowCodec.project(r.data(), reads)));
                    }
                    JavaRDD<PartFiles.Part> written =
                            rows.mapPartitionsWithIndex(new PartWrite(spec, p.id(), folders, files), true);
                    StageProgress.name(written, p.id());
                    List<PartFiles.Part> parts = written.collect(); // each partition's parts, in the files' order
                    for (int f = 0; f < files.size(); f++) {
                        List<PartFiles.Part> mine = new ArrayList<>();
                        for (int k = f; k < parts.size(); k += files.size()) {
                            mine.add(parts.get(k));
                        }
                        parted.add(new PartFiles.PartedFile(files.get(f), mine, sink.joining()));
                    }
                } else if (p.outputs().isEmpty()
                        && p.consumers().isEmpty()
                        && p.step().decision().isPresent()) {
                    // a sink or evaluation that aggregates in passes (histogram: bin counts): nothing comes to the
                    // driver but the accumulators
                    sliced(p, p.step().decision().get(), false);
                } else if (p.aggregation() == Aggregation.ROUNDS && p.step() instanceof Chained loop) {
                    List<byte[]> rows = rounds(p, loop);
                    if (!p.consumers().isEmpty()) {
                        data.put(p.id(), keep(p, parallelize(rows)));
                    }
                } else {
                    List<JavaRDD<SparkRow>> inputs = new ArrayList<>();
                    // a step that emits no rows (an evaluation) gets only the columns it reads (and the metadata):
                    // the images stay on the executors
                    Set<String> reads =
                            p.outputs().isEmpty() ? p.step().readsColumns().orElse(null) : null;
                    // a step that reads its input's first rows only (a grid's limit): each partition sends at most
                    // that many (every row is still computed, so every step's rows count as locally)
                    long first = p.step().readsFirst().orElse(-1);
                    for (String i : p.definition().inputs()) {
                        JavaRDD<SparkRow> rows = first >= 0 ? firstOfEach(dataset(i), first) : dataset(i);
                        inputs.add(
                                reads == null
                                        ? rows
                                        : rows.map(r -> new SparkRow(r.key(), RowCodec.project(r.data(), reads))));
                    }
                    List<byte[]> rows = onDriver(p, inputs);
                    if (!p.consumers().isEmpty()) {
                        data.put(p.id(), keep(p, parallelize(rows)));
                    }
                }
                driverStats.computeIfAbsent(p.id(), k -> new long[2])[1] += System.nanoTime() - t0;
            }
            // row-wise chains nobody reads still run, as they do locally
            for (String tail : new ArrayList<>(pending.keySet())) {
                dataset(tail).count();
            }
        }

        /**
         * A sharded source's rows, read on the executors: the driver lists the shards (files, record ranges), one
         * partition each; the rows are keyed (shard, position).
         */
        private JavaRDD<SparkRow> shards(PipelinePlan.Planned p, ShardedSource source) {
            List<ShardedSource.Shard> shards;
            try {
                shards = source.shards(wantedPartitions());
            } catch (RuntimeException e) {
                throw RunFailure.inStep(p.id(), p.definition().location(), e);
            }
            if (shards.isEmpty()) {
                return sc.emptyRDD();
            }
            JavaRDD<SparkRow> read = sc.parallelize(shards, shards.size())
                    .mapPartitionsWithIndex(new ShardRead(spec, p.id(), tallies), true);
            StageProgress.name(read, p.id());
            return read;
        }

        /** Rows made on the driver, each keyed by its position, cut into partitions. */
        private JavaRDD<SparkRow> parallelize(List<byte[]> rows) {
            List<SparkRow> keyed = new ArrayList<>(rows.size());
            for (int i = 0; i < rows.size(); i++) {
                keyed.add(new SparkRow(RowKey.of(i), rows.get(i)));
            }
            return sc.parallelize(keyed, slices(rows.size(), plan.definition().batchSize()));
        }

        /** Rows read by more than one consumer are kept (on disk) instead of recomputed. */
        private JavaRDD<SparkRow> keep(PipelinePlan.Planned p, JavaRDD<SparkRow> rdd) {
            if (p.consumers().size() > 1) {
                rdd = rdd.persist(StorageLevel.DISK_ONLY());
                persisted.add(rdd);
            }
            return rdd;
        }

        private JavaRDD<SparkRow> dataset(String id) {
            StepRef ref = StepRef.parse(id);
            if (ref.output() != null) {
                // one named output of a step that sends rows to several: its rows, untagged again
                String output = ref.output();
                return dataset(ref.step()).flatMap(r -> {
                    RowMeta m = RowCodec.meta(r.data());
                    if (!output.equals(m.tags().get(Segment.OUTPUT_TAG))) {
                        return List.<SparkRow>of().iterator();
                    }
                    Map<String, String> tags = new LinkedHashMap<>(m.tags());
                    tags.remove(Segment.OUTPUT_TAG);
                    RowMeta plain = new RowMeta(m.id(), m.label(), m.source(), m.score(), tags);
                    return List.of(new SparkRow(r.key(), RowCodec.withMetaBytes(r.data(), RowCodec.encodeMeta(plain))))
                            .iterator();
                });
            }
            Pending seg = pending.remove(id);
            if (seg != null) {
                Segment segment = new Segment(spec, seg.steps, sides, tallies);
                JavaRDD<SparkRow> rdd = seg.input.mapPartitionsWithIndex(segment, true);
                StageProgress.name(rdd, String.join(", ", seg.steps));
                data.put(id, keep(byId.get(id), rdd));
            }
            JavaRDD<SparkRow> rdd = data.get(id);
            if (rdd == null) {
                throw new IllegalStateException("no rows planned for step " + id);
            }
            return rdd;
        }

        /**
         * A combine step: each partition's rows (only the columns it reads) fed to an accumulator where they are, the
         * accumulators merged on the driver in partition order, the result extracted there; the rows pass on
         * unchanged (kept, so that their consumers do not recompute them).
         */
        private JavaRDD<SparkRow> combine(PipelinePlan.Planned p, RowCombine<?> combine) {
            JavaRDD<SparkRow> rows = dataset(p.definition().inputs().get(0));
            if (!p.consumers().isEmpty() && !persisted.contains(rows)) {
                rows = rows.persist(StorageLevel.DISK_ONLY());
                persisted.add(rows);
            }
            Set<String> reads = p.step().readsColumns().orElse(null);
            long n = aggregate(combine, rows, reads, plan.definition().batchSize(), p);
            driverStats.computeIfAbsent(p.id(), k -> new long[2])[0] = n;
            return rows;
        }

        private <A extends Serializable> long aggregate(
                RowCombine<A> combine, JavaRDD<SparkRow> rows, Set<String> reads, int chunk, PipelinePlan.Planned p) {
            List<Partial<A>> partials = rows.mapPartitions(
                            (Iterator<SparkRow> it) -> {
                                A accumulator = combine.create();
                                long count = 0;
                                List<byte[]> pending = new ArrayList<>(chunk);
                                while (it.hasNext()) {
                                    byte[] data = it.next().data();
                                    pending.add(reads == null ? data : RowCodec.project(data, reads));
                                    count++;
                                    if (pending.size() == chunk || !it.hasNext()) {
                                        try (Batch b = RowCodec.decode(pending)) {
                                            accumulator = combine.add(accumulator, b);
                                        }
                                        pending.clear();
                                    }
                                }
                                return List.of(new Partial<>(accumulator, count))
                                        .iterator();
                            },
                            true)
                    .collect();
            A total = combine.create();
            long n = 0;
            for (Partial<A> partial : partials) {
                total = combine.merge(total, partial.accumulator());
                n += partial.rows();
            }
            try {
                combine.extract(total, new SparkStepContext(p.id(), plan.definition(), folder, metrics, sides, log));
            } catch (RuntimeException e) {
                throw RunFailure.inStep(p.id(), p.definition().location(), e);
            }
            return n;
        }

        /**
         * A metadata step: the real step decides on the driver from the rows' metadata; the rows it keeps
         * get its metadata and, when it reorders them, their new position as key.
         */
        private JavaRDD<SparkRow> decide(PipelinePlan.Planned p) {
            if (p.step().decision().isPresent()) {
                return sliced(p, p.step().decision().get(), true);
            }
            List<String> inputIds = p.definition().inputs();
            List<JavaRDD<SparkRow>> inputs = new ArrayList<>();
            List<List<byte[]>> metas = new ArrayList<>();
            for (String in : inputIds) {
                JavaRDD<SparkRow> rdd = dataset(in);
                if (!persisted.contains(rdd)) {
                    rdd = rdd.persist(StorageLevel.DISK_ONLY());
                    persisted.add(rdd);
                }
                inputs.add(rdd);
                // the metadata, and the columns the step reads (top-k's score: column), if any
                Set<String> reads = p.step().readsColumns().orElse(null);
                metas.add(rdd.map(r -> reads == null ? RowCodec.metaOnly(r.data()) : RowCodec.project(r.data(), reads))
                        .collect());
            }
            List<Map<String, Integer>> index = new ArrayList<>();
            for (int i = 0; i < metas.size(); i++) {
                Map<String, Integer> ids = new HashMap<>();
                for (int r = 0; r < metas.get(i).size(); r++) {
                    String id = RowCodec.meta(metas.get(i).get(r)).id();
                    if (ids.put(id, r) != null) {
                        throw RunFailure.inStep(
                                p.id(),
                                p.definition().location(),
                                new GenpipeException("two rows of its input '" + inputIds.get(i) + "' have the id " + id
                                        + "; the Spark engine needs row ids unique within a step's rows"));
                    }
                }
                index.add(ids);
            }
            List<byte[]> decided = run(p, metas);
            // where each decided row comes from, its new metadata and position
            List<Map<String, Object[]>> picks = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                picks.add(new HashMap<>());
            }
            boolean ordered = true;
            long last = -1;
            int lastInput = 0;
            for (int j = 0; j < decided.size(); j++) {
                RowMeta m = RowCodec.meta(decided.get(j));
                int from = -1;
                for (int i = 0; i < index.size(); i++) {
                    if (index.get(i).containsKey(m.id()) && !picks.get(i).containsKey(m.id())) {
                        from = i;
                        break;
                    }
                }
                if (from < 0) {
                    throw RunFailure.inStep(
                            p.id(),
                            p.definition().location(),
                            new GenpipeException("it emitted row " + m.id() + ", which is not a row of its input;"
                                    + " the Spark engine runs " + p.definition().use() + " on metadata only"));
                }
                long at = index.get(from).get(m.id());
                if (from < lastInput || (from == lastInput && at <= last)) {
                    ordered = false;
                }
                lastInput = from;
                last = at;
                picks.get(from).put(m.id(), new Object[] {(long) j, RowCodec.encodeMeta(m)});
            }
            List<JavaRDD<SparkRow>> parts = new ArrayList<>();
            boolean concat = inputs.size() > 1;
            for (int i = 0; i < inputs.size(); i++) {
                Broadcast<Map<String, Object[]>> chosen = sc.broadcast(picks.get(i));
                broadcasts.add(chosen);
                long input = i;
                boolean keepKeys = ordered;
                parts.add(inputs.get(i)
                        .mapPartitions(rows -> new Picked(rows, chosen.value(), keepKeys, concat, input), true));
            }
            JavaRDD<SparkRow> out = parts.get(0);
            for (int i = 1; i < parts.size(); i++) {
                out = out.union(parts.get(i));
            }
            if (!ordered) {
                out = out.sortBy(SparkRow::key, true, Math.max(1, Math.min(out.getNumPartitions(), decided.size())));
            }
            driverStats.computeIfAbsent(p.id(), k -> new long[2])[0] = decided.size();
            return out;
        }

        /**
         * A metadata step that decides in passes over slices of its rows: each partition of its input (of its
         * inputs, one after the other, their keys under the input's index) is a slice; the passes' accumulators come
         * to the driver, the step decides there (publishing its side values), and each partition's mapper is applied
         * where the partition is. The driver never holds a row.
         */
        private JavaRDD<SparkRow> sliced(PipelinePlan.Planned p, SliceDecision decision, boolean rowsWanted) {
            List<String> inputIds = p.definition().inputs();
            JavaRDD<SparkRow> all = null;
            List<Integer> inputOf = new ArrayList<>(); // each partition's input: a union keeps them in order
            for (int i = 0; i < inputIds.size(); i++) {
                JavaRDD<SparkRow> rdd = dataset(inputIds.get(i));
                if (inputIds.size() > 1) {
                    rdd = underInput(rdd, i);
                }
                for (int k = 0; k < rdd.getNumPartitions(); k++) {
                    inputOf.add(i);
                }
                all = all == null ? rdd : all.union(rdd);
            }
            SliceDecision.Pass<?> pass = decision.first();
            Set<String> reads = p.step().readsColumns().orElse(null);
            JavaRDD<SparkRow> slim = all;
            if (pass != null) {
                if (rowsWanted && !persisted.contains(all)) {
                    all = all.persist(StorageLevel.DISK_ONLY()); // computed once: for the passes and the mapping
                    persisted.add(all);
                }
                // the passes read the metadata and the step's columns only, kept apart: a few passes over ~100
                // bytes a row, not over the images
                slim = projected(all, reads).persist(StorageLevel.DISK_ONLY());
                persisted.add(slim);
            }
            int chunk = plan.definition().batchSize();
            String id = p.id();
            SparkStepContext context = new SparkStepContext(id, plan.definition(), folder, metrics, sides, log);
            SliceDecision.Apply apply;
            if (pass == null) {
                apply = decision.withoutPasses(all.getNumPartitions());
            } else {
                Map<String, JavaRDD<SparkRow>> sorted = new HashMap<>();
                while (true) {
                    JavaRDD<SparkRow> rows = slim;
                    if (pass instanceof SliceDecision.Sorted<?> by) {
                        // a rank statistic: the slices are the rows in ascending order of the column (a range
                        // partitioning puts equal values in one partition); kept for a second pass over them
                        String column = by.orderBy();
                        JavaRDD<SparkRow> from = slim;
                        rows = sorted.computeIfAbsent(column, c -> {
                            JavaRDD<SparkRow> byValue = from.sortBy(
                                            r -> sortKey(r.data(), c), true, Math.max(1, from.getNumPartitions()))
                                    .persist(StorageLevel.DISK_ONLY());
                            persisted.add(byValue);
                            return byValue;
                        });
                    }
                    SliceDecision.Outcome outcome = pass(pass, rows, reads, chunk, p, context, inputOf);
                    if (outcome instanceof SliceDecision.Again again) {
                        pass = again.pass();
                    } else {
                        apply = (SliceDecision.Apply) outcome;
                        break;
                    }
                }
            }
            if (!rowsWanted) {
                return null;
            }
            if (apply.mappers().size() != all.getNumPartitions()) {
                throw new IllegalStateException("step '" + id + "' decided for "
                        + apply.mappers().size() + " slices, its input has " + all.getNumPartitions());
            }
            // each task deserializes its own mapper: a mapper counts as it goes, and a partition may run again
            List<byte[]> serialized = new ArrayList<>();
            apply.mappers().forEach(m -> serialized.add(Serialized.bytes(m)));
            Broadcast<List<byte[]>> mappers = sc.broadcast(serialized);
            broadcasts.add(mappers);
            CollectionAccumulator<Segment.Tally> counted = tallies;
            JavaRDD<SparkRow> out = all.mapPartitionsWithIndex(
                    (partition, rows) -> {
                        SliceDecision.SliceMapper mapper =
                                Serialized.object(mappers.value().get(partition), SliceDecision.SliceMapper.class);
                        return new Mapped(rows, mapper, reads, chunk, id, partition, counted);
                    },
                    true);
            if (apply.mappers().stream().anyMatch(m -> m instanceof SliceDecision.Reordering)) {
                // the rows took new places (top-k): in key order again, in as many partitions as there were
                out = out.sortBy(SparkRow::key, true, all.getNumPartitions());
            }
            return out;
        }

        private <A extends Serializable> SliceDecision.Outcome pass(
                SliceDecision.Pass<A> pass,
                JavaRDD<SparkRow> rows,
                Set<String> reads,
                int chunk,
                PipelinePlan.Planned p,
                SparkStepContext context,
                List<Integer> inputOf) {
            String id = p.id();
            // a sorted pass's slices are not its input's partitions; it has one input
            List<Integer> inputs = pass instanceof SliceDecision.Sorted ? List.of() : List.copyOf(inputOf);
            JavaRDD<A> partials = rows.mapPartitionsWithIndex(
                    (Integer partition, Iterator<SparkRow> it) -> {
                        A accumulator = partition < inputs.size() ? pass.create(inputs.get(partition)) : pass.create();
                        List<byte[]> pending = new ArrayList<>(chunk);
                        while (it.hasNext()) {
                            byte[] data = it.next().data();
                            pending.add(reads == null ? RowCodec.metaOnly(data) : RowCodec.project(data, reads));
                            if (pending.size() == chunk || !it.hasNext()) {
                                try (Batch b = RowCodec.decode(pending)) {
                                    accumulator = pass.add(accumulator, b);
                                } catch (RuntimeException e) {
                                    throw RunFailure.inStep(id, null, e);
                                }
                                pending.clear();
                            }
                        }
                        return List.of(accumulator).iterator();
                    },
                    true);
            StageProgress.name(partials, id + " (a pass)");
            List<A> slices;
            if (pass instanceof SliceDecision.Mergeable<A> mergeable) {
                // merged as the tasks end: the driver holds one accumulator, however many partitions there are
                slices = List.of(partials.getNumPartitions() == 0 ? pass.create() : partials.reduce(mergeable::merge));
            } else {
                slices = partials.collect();
            }
            try {
                return pass.next(slices, context);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw RunFailure.interrupted();
            } catch (RuntimeException e) {
                throw RunFailure.inStep(id, p.definition().location(), e);
            }
        }

        /** Runs {@code p} on the driver over its inputs' rows streamed in key order; returns what it emitted, encoded. */
        private List<byte[]> onDriver(PipelinePlan.Planned p, List<JavaRDD<SparkRow>> inputs) {
            return onDriver(p, inputs, p.step()::run);
        }

        private List<byte[]> onDriver(PipelinePlan.Planned p, List<JavaRDD<SparkRow>> inputs, Invocation how) {
            List<Iterator<byte[]>> streams = new ArrayList<>();
            for (JavaRDD<SparkRow> rdd : inputs) {
                Iterator<SparkRow> it = rdd.toLocalIterator();
                streams.add(new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return it.hasNext();
                    }

                    @Override
                    public byte[] next() {
                        return it.next().data();
                    }
                });
            }
            List<byte[]> out = runStreams(p, streams, how);
            driverStats.computeIfAbsent(p.id(), k -> new long[2])[0] = out.size();
            return out;
        }

        /**
         * A loop: the driver decides each round (which rows are still missing, which results it keeps), and each
         * round's rows run through the chain as one stage on the executors, in partitions of the batch size.
         */
        private List<byte[]> rounds(PipelinePlan.Planned p, Chained loop) {
            List<String> links = loop.links().stream().map(Chained.Link::id).toList();
            int batchSize = plan.definition().batchSize();
            Chained.Rounds stage = (rows, round) -> {
                JavaRDD<SparkRow> in = parallelize(RowCodec.encode(rows));
                Segment segment = new Segment(spec, links, sides, tallies, p.id(), round);
                List<SparkRow> out = in.mapPartitionsWithIndex(segment, true).collect();
                List<Batch> batches = new ArrayList<>();
                for (int from = 0; from < out.size(); from += batchSize) {
                    List<byte[]> part = new ArrayList<>();
                    out.subList(from, Math.min(out.size(), from + batchSize)).forEach(r -> part.add(r.data()));
                    batches.add(RowCodec.decode(part));
                }
                return batches;
            };
            List<JavaRDD<SparkRow>> inputs = new ArrayList<>();
            p.definition().inputs().forEach(i -> inputs.add(dataset(i)));
            List<byte[]> out = onDriver(p, inputs, (in, output, context) -> loop.run(in, output, context, stage));
            return out;
        }

        private List<byte[]> run(PipelinePlan.Planned p, List<List<byte[]>> inputs) {
            List<Iterator<byte[]>> streams = new ArrayList<>();
            inputs.forEach(l -> streams.add(l.iterator()));
            return runStreams(p, streams, p.step()::run);
        }

        private List<byte[]> runStreams(PipelinePlan.Planned p, List<Iterator<byte[]>> streams, Invocation how) {
            int chunk = plan.definition().batchSize();
            List<BatchInput> inputs = new ArrayList<>();
            for (Iterator<byte[]> s : streams) {
                inputs.add(() -> {
                    List<byte[]> rows = new ArrayList<>(chunk);
                    while (rows.size() < chunk && s.hasNext()) {
                        rows.add(s.next());
                    }
                    return rows.isEmpty() ? null : RowCodec.decode(rows);
                });
            }
            List<byte[]> out = new ArrayList<>();
            BatchOutput output = batch -> {
                try (Batch b = batch) {
                    if (!p.consumers().isEmpty()) {
                        out.addAll(RowCodec.encode(b));
                    }
                }
            };
            SparkStepContext context = new SparkStepContext(p.id(), plan.definition(), folder, metrics, sides, log);
            try {
                how.run(inputs, output, context);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw RunFailure.interrupted();
            } catch (Exception e) {
                if (fromSpark(e)) {
                    throw failure(e); // a task failed while this step read its input: its failure is the one to tell
                }
                throw RunFailure.inStep(p.id(), p.definition().location(), e);
            }
            return out;
        }

        /** Every step's rows and seconds, the executors' summed over the partitions they ran (each counted once). */
        List<RunResult.StepResult> results() {
            Map<String, Segment.Tally> unique = new LinkedHashMap<>();
            for (Segment.Tally t : tallies.value()) {
                unique.putIfAbsent(t.step() + "/" + t.stage() + "/" + t.partition(), t);
            }
            Map<String, long[]> executed = new HashMap<>();
            Map<String, Map<String, Object>> recorded = new TreeMap<>();
            for (Segment.Tally t : unique.values()) {
                long[] s = executed.computeIfAbsent(t.step(), k -> new long[2]);
                s[0] += t.rows();
                s[1] += t.nanos();
                t.metrics()
                        .forEach((k, v) -> recorded.computeIfAbsent(t.step(), x -> new TreeMap<>())
                                .merge(k, v, SparkEngine::sum));
            }
            recorded.values()
                    .forEach(m -> m.forEach((k, v) -> {
                        if (v instanceof Map<?, ?>) {
                            throw new GenpipeException(
                                    "a row-wise step recorded metric group " + k + "; the Spark engine sums"
                                            + " row-wise steps' metrics over chunks and takes plain counts only");
                        }
                        metrics.put(k, v);
                    }));
            List<RunResult.StepResult> steps = new ArrayList<>();
            for (PipelinePlan.Planned p : plan.steps()) {
                long[] s = executed.containsKey(p.id())
                        ? executed.get(p.id())
                        : driverStats.getOrDefault(p.id(), new long[2]);
                steps.add(new RunResult.StepResult(p.id(), p.definition().use(), s[0], Math.round(s[1] / 1e6) / 1e3));
            }
            return steps;
        }

        void release() {
            persisted.forEach(r -> r.unpersist(false));
            broadcasts.forEach(b -> b.destroy());
        }
    }

    /** The rows' metadata and the columns in {@code reads} (the metadata only when null). */
    private static JavaRDD<SparkRow> projected(JavaRDD<SparkRow> rows, Set<String> reads) {
        return rows.map(r ->
                new SparkRow(r.key(), reads == null ? RowCodec.metaOnly(r.data()) : RowCodec.project(r.data(), reads)));
    }

    /** The rows with their keys under {@code input}: the rows of a step's {@code input}-th input. */
    /** Each partition's first {@code n} rows; the rest are computed (the steps before count them) and dropped. */
    private static JavaRDD<SparkRow> firstOfEach(JavaRDD<SparkRow> rows, long n) {
        return rows.mapPartitions(
                it -> new Iterator<SparkRow>() {
                    private long given;

                    @Override
                    public boolean hasNext() {
                        if (given < n) {
                            return it.hasNext();
                        }
                        while (it.hasNext()) {
                            it.next();
                        }
                        return false;
                    }

                    @Override
                    public SparkRow next() {
                        given++;
                        return it.next();
                    }
                },
                true);
    }

    /** A row's value of a float64 column, as a sorted pass orders it. */
    private static double sortKey(byte[] data, String column) {
        try (Batch b = RowCodec.decode(List.of(RowCodec.project(data, Set.of(column))))) {
            return SliceDecision.Sorted.key(b.column(column).toDoubleArray()[0]);
        }
    }

    private static JavaRDD<SparkRow> underInput(JavaRDD<SparkRow> rows, long input) {
        return rows.mapPartitions(
                it -> new Iterator<SparkRow>() {
                    @Override
                    public boolean hasNext() {
                        return it.hasNext();
                    }

                    @Override
                    public SparkRow next() {
                        SparkRow r = it.next();
                        return new SparkRow(r.key().under(input), r.data());
                    }
                },
                true);
    }

    static Object sum(Object a, Object b) {
        if (a instanceof Integer x && b instanceof Integer y) {
            return x + y;
        }
        if ((a instanceof Integer || a instanceof Long) && (b instanceof Integer || b instanceof Long)) {
            return ((Number) a).longValue() + ((Number) b).longValue();
        }
        throw new GenpipeException("a row-wise step recorded a metric that is not a count (" + a + "); the Spark engine"
                + " sums row-wise steps' metrics over chunks");
    }

    /** One partition's accumulator and how many rows it saw. */
    private record Partial<A extends Serializable>(A accumulator, long rows) implements Serializable {}

    /** A row-wise chain waiting for its consumer, so that the chain runs as one function. */
    /** How the driver runs a step over its inputs (a loop: with its rounds as stages). */
    @FunctionalInterface
    private interface Invocation {
        void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception;
    }

    private record Pending(JavaRDD<SparkRow> input, List<String> steps) {}

    /** One partition's rows through its slice mapper: the rows it keeps, with their new metadata and their keys. */
    private static final class Mapped implements Iterator<SparkRow> {
        private final Iterator<SparkRow> rows;
        private final SliceDecision.SliceMapper mapper;
        private final Set<String> reads;
        private final int chunk;
        private final String step;
        private final int partition;
        private final CollectionAccumulator<Segment.Tally> tallies;
        private final ArrayDeque<SparkRow> ready = new ArrayDeque<>();
        private final long t0 = System.nanoTime();
        private long kept;
        private boolean counted;

        Mapped(
                Iterator<SparkRow> rows,
                SliceDecision.SliceMapper mapper,
                Set<String> reads,
                int chunk,
                String step,
                int partition,
                CollectionAccumulator<Segment.Tally> tallies) {
            this.rows = rows;
            this.mapper = mapper;
            this.reads = reads;
            this.chunk = chunk;
            this.step = step;
            this.partition = partition;
            this.tallies = tallies;
        }

        @Override
        public boolean hasNext() {
            while (ready.isEmpty() && rows.hasNext()) {
                List<SparkRow> next = new ArrayList<>(chunk);
                List<byte[]> projected = new ArrayList<>(chunk);
                while (next.size() < chunk && rows.hasNext()) {
                    SparkRow r = rows.next();
                    next.add(r);
                    projected.add(reads == null ? RowCodec.metaOnly(r.data()) : RowCodec.project(r.data(), reads));
                }
                List<RowMeta> meta;
                try (Batch b = RowCodec.decode(projected)) {
                    meta = mapper.map(b);
                } catch (RuntimeException e) {
                    throw RunFailure.inStep(step, null, e);
                }
                long[] places = mapper instanceof SliceDecision.Reordering r ? r.positions() : null;
                int placed = 0;
                for (int i = 0; i < next.size(); i++) {
                    RowMeta m = meta.get(i);
                    if (m != null) {
                        SparkRow r = next.get(i);
                        RowKey key = places == null ? r.key() : RowKey.of(places[placed++]);
                        ready.add(new SparkRow(key, RowCodec.withMetaBytes(r.data(), RowCodec.encodeMeta(m))));
                        kept++;
                    }
                }
            }
            if (ready.isEmpty() && !counted) {
                counted = true;
                tallies.add(new Segment.Tally(step, "", partition, kept, System.nanoTime() - t0, Map.of()));
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
    }

    /** The rows a metadata step kept, with its metadata and key. */
    private static final class Picked implements Iterator<SparkRow> {
        private final Iterator<SparkRow> rows;
        private final Map<String, Object[]> chosen;
        private final boolean keepKeys;
        private final boolean concat;
        private final long input;
        private SparkRow next;

        Picked(Iterator<SparkRow> rows, Map<String, Object[]> chosen, boolean keepKeys, boolean concat, long input) {
            this.rows = rows;
            this.chosen = chosen;
            this.keepKeys = keepKeys;
            this.concat = concat;
            this.input = input;
        }

        @Override
        public boolean hasNext() {
            while (next == null && rows.hasNext()) {
                SparkRow r = rows.next();
                Object[] pick = chosen.get(RowCodec.meta(r.data()).id());
                if (pick != null) {
                    RowKey key = !keepKeys
                            ? RowKey.of((Long) pick[0])
                            : concat ? r.key().under(input) : r.key();
                    next = new SparkRow(key, RowCodec.withMetaBytes(r.data(), (byte[]) pick[1]));
                }
            }
            return next != null;
        }

        @Override
        public SparkRow next() {
            SparkRow r = next;
            next = null;
            return r;
        }
    }
}
