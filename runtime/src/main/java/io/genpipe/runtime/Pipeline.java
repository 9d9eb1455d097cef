package io.genpipe.runtime;

import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.onnx.DeviceSpec;
import io.genpipe.runtime.onnx.MissingDevicePolicy;
import io.genpipe.runtime.pipeline.Location;
import io.genpipe.runtime.pipeline.Overrides;
import io.genpipe.runtime.pipeline.PipelineDefinition;
import io.genpipe.runtime.pipeline.PipelineException;
import io.genpipe.runtime.pipeline.PipelinePlan;
import io.genpipe.runtime.pipeline.PipelineReader;
import io.genpipe.runtime.pipeline.PipelineRunner;
import io.genpipe.runtime.pipeline.PipelineValidator;
import io.genpipe.runtime.pipeline.Problem;
import io.genpipe.runtime.pipeline.RunResult;
import io.genpipe.runtime.pipeline.SubPipelines;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A pipeline file with a runtime to run it: what {@code genpipe validate} and {@code genpipe run}
 * do, for an embedding application. The file decides the seed, device and batch size; the
 * overrides set here (as {@code --set}, {@code --seed} and {@code --device} do on the command
 * line) are the only other source. Obtained from {@link Genpipe#pipeline(Path)}; not thread-safe
 * while being configured, and one run at a time.
 *
 * <pre>{@code
 * try (Genpipe genpipe = Genpipe.builder().build()) {
 *     Pipeline walk = genpipe.pipeline(Path.of("pipelines/latent-walk.yaml")).set("images.limit", 10);
 *     List<Problem> problems = walk.validate();      // empty: valid
 *     RunResult result = walk.run(Path.of("runs/walk"));
 *     System.out.println(result.metrics());
 * }
 * }</pre>
 */
public final class Pipeline {

    private final Genpipe genpipe;
    private final Path file;
    private final List<String> sets = new ArrayList<>();
    private Long seed;
    private String device;
    private Consumer<String> log = line -> {};
    private PipelineRunner.Progress progress;
    private volatile PipelineRunner running;

    Pipeline(Genpipe genpipe, Path file) {
        this.genpipe = Objects.requireNonNull(genpipe, "genpipe is null");
        this.file = Objects.requireNonNull(file, "file is null");
    }

    /**
     * Overrides a step parameter ({@code "test.limit"}) or a pipeline setting ({@code "batchSize"},
     * {@code "seed"}); the value is converted by the parameter's type, as {@code --set} does.
     */
    public Pipeline set(String key, Object value) {
        sets.add(Objects.requireNonNull(key, "key is null") + "=" + value);
        return this;
    }

    /** An override exactly as {@code --set} takes it: {@code step.param=value} or {@code batchSize=N}. */
    public Pipeline set(String assignment) {
        sets.add(Objects.requireNonNull(assignment, "assignment is null"));
        return this;
    }

    /** Overrides the file's seed. */
    public Pipeline seed(long newSeed) {
        this.seed = newSeed;
        return this;
    }

    /** Overrides the file's device: cpu, cuda, cuda:N or auto. */
    public Pipeline device(String newDevice) {
        this.device = Objects.requireNonNull(newDevice, "device is null");
        return this;
    }

    /** Receives one line per finished step. */
    public Pipeline log(Consumer<String> lines) {
        this.log = Objects.requireNonNull(lines, "log is null");
        return this;
    }

    /** Receives rows as steps emit them, and streamed text. */
    public Pipeline progress(PipelineRunner.Progress listener) {
        this.progress = listener;
        return this;
    }

    /** The file as read, with the overrides applied. */
    public PipelineDefinition definition() {
        return read(new ArrayList<>());
    }

    /** Every problem of the file and its overrides, in file order; empty when the pipeline is valid. */
    public List<Problem> validate() {
        try {
            plan();
            return List.of();
        } catch (PipelineException e) {
            return e.problems();
        }
    }

    /**
     * The validated pipeline, its components built.
     *
     * @throws PipelineException listing every problem
     */
    public PipelinePlan plan() {
        List<Problem> problems = new ArrayList<>();
        PipelineDefinition d = read(problems);
        return new PipelineValidator(genpipe).validate(d, problems);
    }

    /**
     * Validates and runs into {@code out}: a new folder, or a previous run's folder, replaced once
     * every step has succeeded.
     *
     * @throws PipelineException when the pipeline or {@code out} is invalid (nothing ran)
     * @throws GenpipeException naming the step that failed (nothing was written)
     */
    public RunResult run(Path out) {
        return run(plan(), out);
    }

    /** Runs a plan obtained from {@link #plan()} (e.g. after showing it) into {@code out}. */
    public RunResult run(PipelinePlan plan, Path out) {
        PipelineRunner runner = new PipelineRunner(genpipe, log);
        if (progress != null) {
            runner.progress(progress);
        }
        running = runner;
        try {
            return runner.run(plan, out);
        } finally {
            running = null;
        }
    }

    /** Validates and runs into the file's {@code out:} folder, relative to the working directory. */
    public RunResult run() {
        return run(Path.of(definition().out()));
    }

    /** Waits for the run in progress, if any, to end or (during JVM shutdown) to have removed its temporary folder. */
    public boolean awaitCleanup(long millis) throws InterruptedException {
        PipelineRunner r = running;
        return r == null || r.awaitCleanup(millis);
    }

    /**
     * Removes the partial output of the run in progress, if any, without waiting for it: for a process that ends
     * now although the run's steps did not stop (plugin code that ignores interruption).
     */
    public void abandon() {
        PipelineRunner r = running;
        if (r != null) {
            r.abandon();
        }
    }

    /** Stops the run in progress (from any thread); it ends with "run stopped by a signal". */
    public boolean cancel() {
        PipelineRunner r = running;
        return r != null && r.cancel();
    }

    private PipelineDefinition read(List<Problem> problems) {
        PipelineReader.Result read = new PipelineReader().readAll(file);
        problems.addAll(read.problems());
        // --set scoring/flag.fraction=... reaches a step of a sub-pipeline: applied once it is inlined
        List<String> outer = new ArrayList<>();
        List<String> inner = new ArrayList<>();
        for (String set : sets) {
            int eq = set.indexOf('=');
            (set.substring(0, eq < 0 ? set.length() : eq).contains("/") ? inner : outer).add(set);
        }
        PipelineDefinition d;
        try {
            d = Overrides.apply(read.definition(), outer);
        } catch (PipelineException e) {
            problems.addAll(e.problems());
            d = read.definition();
        }
        d = SubPipelines.inline(d, genpipe.steps(), problems);
        try {
            d = Overrides.apply(d, inner);
        } catch (PipelineException e) {
            problems.addAll(e.problems());
        }
        if (seed != null || device != null) {
            d = d.withSeed(seed != null ? seed : d.seed())
                    .withDevice(device != null ? device : d.device(), d.onMissingDevice());
        }
        try {
            DeviceSpec.parse(d.device());
            MissingDevicePolicy.parse(d.onMissingDevice());
        } catch (GenpipeException | IllegalArgumentException e) {
            problems.add(new Problem(new Location(d.file(), 0, 0), null, e.getMessage()));
            d = d.withDevice("cpu", "fail");
        }
        return d;
    }
}
