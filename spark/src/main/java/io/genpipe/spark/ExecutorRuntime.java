package io.genpipe.spark;

import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.Pipeline;
import io.genpipe.runtime.pipeline.PipelinePlan;
import io.genpipe.runtime.pipeline.run.RunFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;

/**
 * The genpipe runtime of one executor JVM: one {@link Genpipe} per plugins / threads setting (its
 * session registry keeps one ONNX Runtime session per model sha256, shared by everything built on it)
 * and the driver's pipeline rebuilt from its file, one plan per task running at once (the local runner
 * never calls a step from two threads, so neither does an executor), all closed when the executor shuts
 * down ({@link GenpipeSparkPlugin}). Genpipe loads ONNX Runtime's native library on its own large-stack
 * thread, which executors with long command lines need.
 */
public final class ExecutorRuntime {

    private static final Map<String, Genpipe> RUNTIMES = new HashMap<>();
    private static final Map<String, Deque<PipelinePlan>> IDLE = new HashMap<>();
    private static int plans;

    /** The pipelines whose rebuild this executor has logged. */
    private static final Set<String> LOGGED = new HashSet<>();

    private ExecutorRuntime() {}

    /**
     * A plan of the driver's pipeline for one task, rebuilt here (or one an ended task gave back), its file
     * and models checked against the driver's; give it back with {@link #release}.
     *
     * @throws RunFailure naming the executor and the file or model whose bytes differ from the driver's
     */
    public static PipelinePlan borrow(JobSpec spec) {
        synchronized (ExecutorRuntime.class) {
            Deque<PipelinePlan> idle = IDLE.get(spec.planKey());
            if (idle != null && !idle.isEmpty()) {
                return idle.pop();
            }
        }
        try {
            return build(spec);
        } catch (GenpipeException e) {
            throw RunFailure.engine("executor " + executorId() + " cannot rebuild the pipeline: " + e.getMessage(), e);
        }
    }

    /** Step {@code id} of a plan rebuilt here. */
    static PipelinePlan.Planned step(PipelinePlan plan, String id) {
        return plan.steps().stream()
                .filter(p -> p.id().equals(id))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no step " + id + " in the rebuilt plan"));
    }

    /** Gives a plan back for the next task (at the end of the task that borrowed it). */
    public static synchronized void release(JobSpec spec, PipelinePlan plan) {
        IDLE.computeIfAbsent(spec.planKey(), k -> new ArrayDeque<>()).push(plan);
    }

    private static PipelinePlan build(JobSpec spec) {
        // the file first (with the files it includes): a node with another copy is told so, not what its copy
        // makes of it
        if (!Files.isRegularFile(Path.of(spec.file()))) {
            throw new GenpipeException("its pipeline file " + spec.file() + " does not exist; every node needs the"
                    + " pipeline file (and the files it names) at the same path as the driver");
        }
        Genpipe genpipe = runtime(spec);
        Pipeline pipeline = genpipe.pipeline(Path.of(spec.file()));
        spec.sets().forEach(pipeline::set);
        if (spec.seed() != null) {
            pipeline.seed(spec.seed());
        }
        if (spec.device() != null) {
            pipeline.device(spec.device());
        }
        String sha = pipeline.definition().sha256();
        if (!sha.equals(spec.pipelineSha256())) {
            throw new GenpipeException("its pipeline file " + spec.file() + " (with the files it includes) has sha256 "
                    + sha + ", the driver ran " + spec.pipelineSha256()
                    + "; every node needs the same files at the same paths");
        }
        Map.Entry<PipelinePlan, Map<String, String>> built;
        synchronized (genpipe) { // one validation at a time records its own models
            built = genpipe.withModelsLoaded(pipeline::plan);
        }
        Map<String, String> here = built.getValue();
        List<String> problems = new ArrayList<>();
        here.forEach((name, found) -> {
            String driver = spec.models().get(name);
            if (driver == null) {
                problems.add("it loaded model " + name + " (sha256 " + found + "), which the driver did not load; the"
                        + " pipeline names other files on this node");
            } else if (!driver.equals(found)) {
                problems.add("model " + name + " has sha256 " + found + " here, the driver's has " + driver);
            }
        });
        if (!problems.isEmpty()) {
            throw new GenpipeException(
                    String.join("; ", problems) + "; every node needs the same model files (check the"
                            + " files the pipeline names on this node, and that none changed after the driver validated it)");
        }
        boolean first;
        synchronized (ExecutorRuntime.class) {
            plans++;
            first = LOGGED.add(spec.file() + "\n" + spec.runtimeKey());
        }
        if (first) { // once per file on this executor, not once per task slot's plan
            System.err.println("genpipe: executor " + executorId() + " rebuilt pipeline " + spec.file() + " ("
                    + here.size() + " model(s), sha256 as on the driver)");
        }
        return built.getKey();
    }

    private static synchronized Genpipe runtime(JobSpec spec) {
        Genpipe genpipe = RUNTIMES.get(spec.runtimeKey());
        if (genpipe == null) {
            Genpipe.Builder b =
                    Genpipe.builder().classPathPlugins(spec.classPathPlugins()).threads(spec.intraOpThreads(), 1);
            if (!spec.pluginFiles().isEmpty()) {
                b.pluginsDir(pluginsFolder(spec.pluginFiles()));
            }
            genpipe = b.build();
            RUNTIMES.put(spec.runtimeKey(), genpipe);
        }
        return genpipe;
    }

    /** The driver's plugins folder put back together from the files Spark fetched for this executor. */
    private static Path pluginsFolder(List<String> files) {
        try {
            Path folder = Files.createTempDirectory("genpipe-plugins-");
            for (String relative : files) {
                Path to = folder.resolve(relative).normalize();
                if (!to.startsWith(folder)) {
                    throw new GenpipeException("plugin file " + relative + " is outside its plugins folder");
                }
                Files.createDirectories(to.getParent());
                Files.copy(Path.of(SparkFiles.get(to.getFileName().toString())), to);
            }
            return folder;
        } catch (IOException e) {
            throw new GenpipeException("cannot put the plugins folder together: " + e.getMessage(), e);
        }
    }

    /**
     * This JVM's runtime for components called on their own (not from a pipeline file: {@link GenpipeTransformer}):
     * the family plugins on the class path, {@code threads} intra-op threads per session; one session per model,
     * shared by every task, closed with the executor.
     */
    static synchronized Genpipe components(int threads) {
        return RUNTIMES.computeIfAbsent(
                "components/" + threads,
                k -> Genpipe.builder()
                        .classPathPlugins(true)
                        .threads(threads, 1)
                        .build());
    }

    /** Closes every runtime of this JVM (the executor is shutting down). */
    public static synchronized void closeAll() {
        int runtimes = RUNTIMES.size();
        IDLE.clear();
        RUNTIMES.values().forEach(Genpipe::close);
        RUNTIMES.clear();
        if (runtimes > 0) {
            System.err.println("genpipe: executor " + executorId() + " closed " + runtimes
                    + " runtime(s) and their ONNX Runtime" + " sessions (" + plans + " plan(s))");
        }
        plans = 0;
    }

    /** Runtimes held by this JVM (for tests). */
    static synchronized int runtimes() {
        return RUNTIMES.size();
    }

    private static String executorId() {
        SparkEnv env = SparkEnv.get();
        return env == null ? "?" : env.executorId();
    }
}
