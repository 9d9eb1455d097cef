package io.genpipe.runtime.pipeline;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.text.TokenListener;
import io.genpipe.runtime.io.Json;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.PassThroughStep;
import io.genpipe.runtime.step.SinkStep;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepKind;
import io.genpipe.runtime.step.sink.ReportSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Runs a validated pipeline: one thread per step, connected by bounded queues (so memory stays
 * flat whatever the data size; a full queue makes the producer wait), a batch fanned out to
 * several consumers is copied for all but the first. Outputs go to a temporary folder beside the
 * target, renamed into place only when every step succeeded; a failing step (or an interrupt)
 * stops the others and leaves no output folder behind.
 */
public final class PipelineRunner {

    private static final int QUEUE_CAPACITY = 4;

    private final PipelineHost genpipe;
    private final Consumer<String> log;
    private volatile Progress progress = (step, rows) -> {};
    private volatile Stop current;

    /** Told the running row count of a step each time it emits a batch (from the step's thread). */
    public interface Progress {
        void rows(String stepId, long rows);

        /** Whether this listener wants generated text as it streams (see {@link #text}). */
        default boolean wantsText() {
            return false;
        }

        /** A row's text generation begins from {@code prompt} (its text tag; empty when it has none). */
        default void textStart(String stepId, String rowId, String prompt) {}

        /** A piece of a row's generated text, as a text generator produces it (from the step's thread). */
        default void text(String stepId, String rowId, String piece) {}

        /** A row's generated text is complete. */
        default void textDone(String stepId, String rowId, String finish) {}
    }

    /** Sets the progress listener (e.g. a terminal status line). */
    public PipelineRunner progress(Progress listener) {
        this.progress = listener;
        return this;
    }

    /**
     * @param log receives one line per finished step
     */
    public PipelineRunner(PipelineHost host, Consumer<String> log) {
        this.genpipe = host;
        this.log = log;
    }

    /**
     * Runs {@code plan} into {@code out}.
     *
     * @param out the output folder: a new path, or a previous genpipe run's folder, which is
     *     replaced atomically only after the run succeeded (see {@link OutputFolder})
     * @throws PipelineException when {@code out} may not be written (nothing ran)
     * @throws GenpipeException naming the step that failed; nothing is left behind
     */
    public RunResult run(PipelinePlan plan, Path out) {
        long start = System.nanoTime();
        Map<String, Object> metrics = new TreeMap<>();
        Map<String, StepStats> stats = new LinkedHashMap<>();
        Stop stop = new Stop();
        current = stop;
        // SIGINT / SIGTERM run shutdown hooks while step threads may be inside a native run: the
        // hook stops the steps and waits until they have left native code and the temporary
        // folder is gone, so the JVM never exits under a running session and nothing stays behind
        Thread hook = new Thread(stop::onShutdown, "genpipe-run-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        Path target;
        try {
            try (OutputFolder folder = OutputFolder.claim(out, plan.definition().file(), log)) {
                stop.folder = folder;
                target = folder.target();
                Path temp = folder.temp();
                execute(plan, temp, metrics, stats, stop);
                stop.check();
                List<Map<String, Object>> steps =
                        writeRunJson(plan, temp, metrics, stats, (System.nanoTime() - start) / 1e9);
                for (PipelinePlan.Planned p : plan.steps()) {
                    if (p.step() instanceof ReportSink.ReportStep) {
                        try {
                            ((ReportSink.ReportStep) p.step())
                                    .write(temp, plan.definition().name(), metrics, steps);
                        } catch (IOException e) {
                            throw new GenpipeException(
                                    "step '" + p.id() + "' failed: cannot write report.html: " + e.getMessage(), e);
                        }
                    }
                }
                stop.check();
                folder.commit();
            }
        } finally {
            current = null;
            stop.finished();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting; the hook has waited for this run
            }
        }
        List<RunResult.StepResult> steps = new ArrayList<>();
        stats.forEach((id, st) ->
                steps.add(new RunResult.StepResult(id, st.use, st.rows.get(), Math.round(st.seconds * 1000) / 1000.0)));
        return new RunResult(target, metrics, steps, (System.nanoTime() - start) / 1e9);
    }

    /**
     * Runs {@code plan} on rows in memory, e.g. one request of a served pipeline: {@code rows} (owned by this
     * call from now on) are what the source step {@code input} emits instead of reading its file, and what the
     * step {@code output} emits comes back as one batch (owned by the caller). The other steps run as in a run;
     * sinks write into a temporary folder removed before this returns; no run.json, no output folder; the
     * steps' metrics are not kept, their warnings go to this runner's log.
     *
     * @throws GenpipeException naming the step that refused the rows (it threw a GenpipeException)
     * @throws IllegalStateException naming the step that failed otherwise
     */
    public Batch runOn(PipelinePlan plan, String input, Batch rows, String output) {
        List<Batch> captured = Collections.synchronizedList(new ArrayList<>());
        List<PipelinePlan.Planned> steps = new ArrayList<>();
        String response = "(response)";
        boolean found = false;
        for (PipelinePlan.Planned p : plan.steps()) {
            Step step = p.step();
            List<String> consumers = p.consumers();
            if (p.id().equals(input)) {
                found = true;
                step = new PassThroughStep() {
                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput out, StepContext context) throws Exception {
                        // in batches of the pipeline's size, as a source emits them
                        try (Batch all = rows) {
                            int size = Math.max(1, context.batchSize());
                            for (int from = 0; from < all.rows(); from += size) {
                                out.emit(all.slice(from, Math.min(all.rows(), from + size)));
                            }
                        }
                    }
                };
            }
            if (p.id().equals(output)) {
                consumers = new ArrayList<>(consumers);
                consumers.add(response);
            }
            steps.add(new PipelinePlan.Planned(
                    p.definition(),
                    p.kind(),
                    step,
                    p.outputs(),
                    consumers,
                    p.execution(),
                    p.publishes(),
                    p.sideInputs()));
        }
        PipelinePlan.Planned out = plan.steps().stream()
                .filter(p -> p.id().equals(output))
                .findFirst()
                .orElse(null);
        if (!found || out == null) {
            rows.close();
            throw new GenpipeException(
                    "pipeline " + plan.definition().name() + " has no step " + (!found ? input : output));
        }
        steps.add(new PipelinePlan.Planned(
                new StepDefinition(
                        response,
                        "response",
                        List.of(output),
                        Map.of(),
                        out.definition().location(),
                        Map.of()),
                "sink",
                new SinkStep() {
                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput o, StepContext context) throws Exception {
                        for (Batch b = inputs.get(0).next();
                                b != null;
                                b = inputs.get(0).next()) {
                            captured.add(b);
                        }
                    }
                },
                List.of(),
                List.of(),
                StepKind.SINK,
                List.of(),
                List.of()));
        Path temp;
        try {
            temp = Files.createTempDirectory("genpipe-rows-");
        } catch (IOException e) {
            rows.close();
            throw new GenpipeException("cannot make a temporary folder for the pipeline's files: " + e.getMessage(), e);
        }
        try {
            execute(
                    new PipelinePlan(plan.definition(), steps),
                    temp,
                    new TreeMap<>(),
                    new LinkedHashMap<>(),
                    new Stop());
            return Batch.concat(captured);
        } catch (GenpipeException e) {
            // what a step refused (its own GenpipeException) stays one; anything else is this host's failure
            String message = e.getMessage().replace("; no output was written", "");
            if (e.getCause() == null || e.getCause() instanceof GenpipeException) {
                throw new GenpipeException(message, e);
            }
            throw new IllegalStateException(message, e);
        } finally {
            captured.forEach(Batch::close);
            OutputFolder.deleteTree(temp);
        }
    }

    /**
     * Stops the run in progress, if any, from any thread (e.g. a signal handler) and returns at
     * once: its steps are interrupted, and {@link #run} ends with "run stopped by a signal" after
     * every step has left native code and the temporary folder is gone.
     *
     * @return whether a run was in progress
     */
    public boolean cancel() {
        Stop stop = current;
        if (stop == null) {
            return false;
        }
        stop.cancel();
        return true;
    }

    /**
     * Waits until the run in progress (if any) has ended or, when the JVM is shutting down under it,
     * until its temporary folder is gone.
     *
     * @return false when that did not happen within {@code millis}
     */
    public boolean awaitCleanup(long millis) throws InterruptedException {
        Stop stop = current;
        return stop == null || stop.awaitCleaned(millis);
    }

    /** Stops a run from a shutdown hook or {@link #cancel()}, and waits for it to have cleaned up. */
    private static final class Stop {
        private final CountDownLatch done = new CountDownLatch(1);
        private final CountDownLatch cleaned = new CountDownLatch(1);
        private volatile OutputFolder folder;
        private final List<Thread> threads = new CopyOnWriteArrayList<>();
        private volatile boolean stopped;

        void add(Thread t) {
            threads.add(t);
        }

        void cancel() {
            stopped = true;
            threads.forEach(Thread::interrupt);
        }

        void onShutdown() {
            cancel();
            try {
                // wait for the steps to leave native code; a step thread that is itself exiting
                // the JVM (plugin code calling System.exit) waits for this hook and never ends
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                for (Thread t : threads) {
                    if (!callsExit(t)) {
                        t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                    }
                }
                if (!done.await(100, TimeUnit.MILLISECONDS)) {
                    // a step never ended (e.g. the thread that called System.exit is waiting for
                    // this very hook): remove the temporary folder here
                    OutputFolder f = folder;
                    if (f != null) {
                        f.close();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                cleaned.countDown();
            }
        }

        private static boolean callsExit(Thread t) {
            for (StackTraceElement f : t.getStackTrace()) {
                if (f.getClassName().equals("java.lang.Shutdown")
                        || (f.getMethodName().equals("exit")
                                && (f.getClassName().equals("java.lang.Runtime")
                                        || f.getClassName().equals("java.lang.System")))) {
                    return true;
                }
            }
            return false;
        }

        boolean awaitCleaned(long millis) throws InterruptedException {
            return cleaned.await(millis, TimeUnit.MILLISECONDS);
        }

        boolean stopped() {
            return stopped;
        }

        void check() {
            if (stopped) {
                throw new GenpipeException("run stopped by a signal; no output was written");
            }
        }

        void finished() {
            done.countDown();
            cleaned.countDown();
        }
    }

    private void execute(
            PipelinePlan plan, Path folder, Map<String, Object> metrics, Map<String, StepStats> stats, Stop stop) {
        Map<String, Channel> inboxes = new LinkedHashMap<>(); // key: consumer/producer
        for (PipelinePlan.Planned p : plan.steps()) {
            // a step with several inputs reads them one after the other (first input to its end,
            // then the next), which fixes the order of its rows; the inputs it is not reading yet
            // buffer without bound, so an upstream step they share is never blocked by them
            // a step reading side values waits for them with its input unread: that input buffers
            // too, so the step producing the side value is never held up by it
            boolean several =
                    p.definition().inputs().size() > 1 || !p.sideInputs().isEmpty();
            for (String input : p.definition().inputs()) {
                inboxes.put(
                        p.id() + "/" + input,
                        several ? Channel.unbounded(input, p.id()) : Channel.bounded(input, p.id(), QUEUE_CAPACITY));
            }
            stats.put(p.id(), new StepStats(p.definition().use()));
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<String> failedStep = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        RandomSource root = new RandomSource(plan.definition().seed());
        SideValues sides = new SideValues();
        for (PipelinePlan.Planned p : plan.steps()) {
            p.publishes().forEach(v -> sides.declare(p.id(), v.name()));
        }
        for (PipelinePlan.Planned p : plan.steps()) {
            List<BatchInput> inputs = new ArrayList<>();
            for (String input : p.definition().inputs()) {
                inputs.add(inboxes.get(p.id() + "/" + input));
            }
            List<Channel> outboxes = new ArrayList<>();
            p.consumers().forEach(c -> outboxes.add(inboxes.get(c + "/" + p.id())));
            StepStats st = stats.get(p.id());
            BatchOutput output = batch -> {
                progress.rows(p.id(), st.rows.addAndGet(batch.rows()));
                if (outboxes.isEmpty()) {
                    batch.close();
                    return;
                }
                int handed = 0;
                try {
                    for (int i = 1; i < outboxes.size(); i++) {
                        Batch copy = batch.copy();
                        try {
                            outboxes.get(i).put(copy);
                        } catch (InterruptedException e) {
                            copy.close();
                            throw e;
                        }
                    }
                    outboxes.get(0).put(batch);
                    handed = 1;
                } finally {
                    if (handed == 0) {
                        batch.close(); // interrupted: what was not handed over is closed here
                    }
                }
            };
            StepContext context =
                    new RunContext(p.id(), plan.definition(), folder, root.fork(p.id()), metrics, progress, sides, log);
            Thread t = new Thread(
                    () -> {
                        long t0 = System.nanoTime();
                        try {
                            p.step().run(inputs, output, context);
                            for (Channel c : outboxes) {
                                c.end();
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } catch (Throwable e) {
                            if (failure.compareAndSet(null, e)) {
                                failedStep.set(p.id());
                                threads.forEach(Thread::interrupt);
                            }
                        } finally {
                            sides.ended(p.id());
                            st.seconds = (System.nanoTime() - t0) / 1e9;
                        }
                    },
                    "genpipe-step-" + p.id());
            threads.add(t);
            stop.add(t);
        }
        threads.forEach(Thread::start);
        if (stop.stopped()) {
            threads.forEach(Thread::interrupt); // a signal that came while the run was being set up
        }
        try {
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            threads.forEach(Thread::interrupt);
            joinQuietly(threads);
            drain(inboxes);
            Thread.currentThread().interrupt();
            throw new GenpipeException("run interrupted; no output was written");
        }
        drain(inboxes);
        stop.check();
        Throwable f = failure.get();
        if (f != null) {
            String message = f instanceof GenpipeException ? f.getMessage() : f.toString();
            throw new GenpipeException(
                    "step '" + failedStep.get() + "' failed: " + message + "; no output was written", f);
        }
        stats.forEach((id, st) ->
                log.accept(String.format(Locale.ROOT, "step %-20s %8d rows %8.2f s", id, st.rows.get(), st.seconds)));
    }

    private static void drain(Map<String, Channel> inboxes) {
        inboxes.values().forEach(Channel::drain);
    }

    private static void joinQuietly(List<Thread> threads) {
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private List<Map<String, Object>> writeRunJson(
            PipelinePlan plan, Path folder, Map<String, Object> metrics, Map<String, StepStats> stats, double seconds) {
        List<RunResult.StepResult> steps = new ArrayList<>();
        stats.forEach((id, st) -> steps.add(new RunResult.StepResult(id, st.use, st.rows.get(), st.seconds)));
        return writeRunJson(genpipe, plan, folder, metrics, steps, seconds, Map.of());
    }

    /**
     * An empty metric group ({@code metrics.<group>.<key>}) in the order run.json lists keys: by length, then
     * text, {@code mean} last (so classes 0..10 read in order). Every runner records keyed metrics in one.
     */
    public static Map<String, Object> metricGroup() {
        return new TreeMap<>(Comparator.comparing((String k) -> k.equals("mean") ? 1 : 0)
                .thenComparing(k -> k.length())
                .thenComparing(k -> k));
    }

    /**
     * Writes {@code folder/run.json}: the pipeline (name, file, sha256), seed, the host's provenance,
     * {@code extra} (e.g. the engine that ran it), the steps' rows and seconds, the metrics, the wall time.
     * Every runner writes this one shape.
     *
     * @return the steps as run.json lists them (for the report)
     */
    public static List<Map<String, Object>> writeRunJson(
            PipelineHost host,
            PipelinePlan plan,
            Path folder,
            Map<String, Object> metrics,
            List<RunResult.StepResult> stats,
            double seconds,
            Map<String, Object> extra) {
        Map<String, Object> run = new LinkedHashMap<>();
        PipelineDefinition d = plan.definition();
        Map<String, Object> pipeline = new LinkedHashMap<>();
        pipeline.put("name", d.name());
        pipeline.put("file", d.file().toString());
        pipeline.put("sha256", d.sha256());
        run.put("pipeline", pipeline);
        run.put("seed", d.seed());
        run.putAll(host.provenance(d));
        run.putAll(extra);
        List<Map<String, Object>> steps = new ArrayList<>();
        for (RunResult.StepResult st : stats) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", st.id());
            m.put("use", st.use());
            m.put("rows", st.rows());
            m.put("seconds", Math.round(st.seconds() * 1000) / 1000.0);
            steps.add(m);
        }
        run.put("steps", steps);
        run.put("metrics", metrics);
        run.put("seconds", Math.round(seconds * 1000) / 1000.0);
        try {
            Files.writeString(folder.resolve("run.json"), Json.write(run) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new GenpipeException("cannot write run.json: " + e.getMessage(), e);
        }
        return steps;
    }

    private static final class StepStats {
        final String use;
        final AtomicLong rows = new AtomicLong();
        volatile double seconds;

        StepStats(String use) {
            this.use = use;
        }
    }

    private static final class RunContext extends RunStepContext {
        private final String id;
        private final Progress progress;
        private final SideValues sides;

        RunContext(
                String id,
                PipelineDefinition definition,
                Path folder,
                RandomSource random,
                Map<String, Object> metrics,
                Progress progress,
                SideValues sides,
                Consumer<String> log) {
            super(id, definition, folder, random, metrics, log);
            this.id = id;
            this.progress = progress;
            this.sides = sides;
        }

        @Override
        public void publish(String name, Object value) {
            sides.publish(id, name, value);
        }

        @Override
        public Object side(String producer, String name) throws InterruptedException {
            return sides.get(producer, name);
        }

        @Override
        public TokenListener tokens(List<RowMeta> rows) {
            if (!progress.wantsText()) {
                return TokenListener.NONE;
            }
            boolean[] started = new boolean[rows.size()];
            return new TokenListener() {
                @Override
                public void onText(int row, String piece) {
                    begin(row);
                    progress.text(id, rows.get(row).id(), piece);
                }

                private void begin(int row) {
                    if (!started[row]) {
                        started[row] = true;
                        progress.textStart(
                                id, rows.get(row).id(), rows.get(row).tags().getOrDefault("text", ""));
                    }
                }

                @Override
                public void onFinish(int row, String reason) {
                    begin(row);
                    progress.textDone(id, rows.get(row).id(), reason);
                }
            };
        }
    }
}
