package io.genpipe.spark;

import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.Pipeline;
import io.genpipe.runtime.pipeline.PipelinePlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;

/**
 * The genpipe runtime of one executor JVM: one {@link Genpipe} per plugins / threads setting (its
 * session registry keeps one ONNX Runtime session per model sha256), one rebuilt plan per pipeline, both
 * made on the first task that needs them and closed when the executor shuts down
 * ({@link GenpipeSparkPlugin}). Genpipe loads ONNX Runtime's native library on its own large-stack
 * thread, which executors with long command lines need.
 */
public final class ExecutorRuntime {

    private static final Map<String, Genpipe> RUNTIMES = new HashMap<>();
    private static final Map<String, PipelinePlan> PLANS = new HashMap<>();

    private ExecutorRuntime() {
    }

    /**
     * The driver's pipeline rebuilt here, its file and models checked against the driver's.
     *
     * @throws GenpipeException naming the file or model whose bytes differ from the driver's
     */
    public static synchronized PipelinePlan plan(JobSpec spec) {
        PipelinePlan plan = PLANS.get(spec.planKey());
        if (plan != null) {
            return plan;
        }
        Genpipe genpipe = RUNTIMES.get(spec.runtimeKey());
        if (genpipe == null) {
            Genpipe.Builder b = Genpipe.builder().classPathPlugins(spec.classPathPlugins())
                    .threads(spec.intraOpThreads(), 1);
            if (!spec.pluginFiles().isEmpty()) {
                b.pluginsDir(pluginsFolder(spec.pluginFiles()));
            }
            genpipe = b.build();
            RUNTIMES.put(spec.runtimeKey(), genpipe);
        }
        Pipeline pipeline = genpipe.pipeline(Path.of(spec.file()));
        spec.sets().forEach(pipeline::set);
        if (spec.seed() != null) {
            pipeline.seed(spec.seed());
        }
        if (spec.device() != null) {
            pipeline.device(spec.device());
        }
        String where = "executor " + executorId();
        Map.Entry<PipelinePlan, Map<String, String>> built = genpipe.withModelsLoaded(pipeline::plan);
        plan = built.getKey();
        if (!plan.definition().sha256().equals(spec.pipelineSha256())) {
            throw new GenpipeException("pipeline file " + spec.file() + " on " + where + " has sha256 "
                    + plan.definition().sha256() + ", the driver ran " + spec.pipelineSha256() + "; every node needs the"
                    + " same file at the same path");
        }
        Map<String, String> here = built.getValue();
        List<String> problems = new ArrayList<>();
        here.forEach((name, sha) -> {
            String driver = spec.models().get(name);
            if (driver == null) {
                problems.add(where + " loaded model " + name + " (sha256 " + sha + "), which the driver did not load; the"
                        + " pipeline names other files on that node");
            } else if (!driver.equals(sha)) {
                problems.add("model " + name + " on " + where + " has sha256 " + sha + ", the driver's has " + driver);
            }
        });
        if (!problems.isEmpty()) {
            throw new GenpipeException(String.join("; ", problems) + "; every node needs the same model files (check the"
                    + " files the pipeline names on that node, and that none changed after the driver validated it)");
        }
        PLANS.put(spec.planKey(), plan);
        System.err.println("genpipe: " + where + " rebuilt pipeline " + spec.file() + " (" + here.size() + " model(s),"
                + " sha256 as on the driver)");
        return plan;
    }

    /** The driver's plugins folder put back together from the files Spark fetched for this executor. */
    private static Path pluginsFolder(List<String> files) {
        try {
            Path folder = java.nio.file.Files.createTempDirectory("genpipe-plugins-");
            for (String relative : files) {
                Path to = folder.resolve(relative).normalize();
                if (!to.startsWith(folder)) {
                    throw new GenpipeException("plugin file " + relative + " is outside its plugins folder");
                }
                java.nio.file.Files.createDirectories(to.getParent());
                java.nio.file.Files.copy(Path.of(SparkFiles.get(to.getFileName().toString())), to);
            }
            return folder;
        } catch (java.io.IOException e) {
            throw new GenpipeException("cannot put the plugins folder together on this executor: " + e.getMessage(), e);
        }
    }

    /** Closes every runtime of this JVM (the executor is shutting down). */
    public static synchronized void closeAll() {
        int plans = PLANS.size();
        int runtimes = RUNTIMES.size();
        PLANS.clear();
        RUNTIMES.values().forEach(Genpipe::close);
        RUNTIMES.clear();
        if (runtimes > 0) {
            System.err.println("genpipe: executor " + executorId() + " closed " + runtimes + " runtime(s) and their ONNX Runtime"
                    + " sessions (" + plans + " pipeline(s))");
        }
    }

    /** Sessions held by this JVM's executor runtimes (for tests). */
    static synchronized int runtimes() {
        return RUNTIMES.size();
    }

    private static String executorId() {
        SparkEnv env = SparkEnv.get();
        return env == null ? "?" : env.executorId();
    }
}
