package io.genpipe.runtime.pipeline;

import io.genpipe.runtime.onnx.ThreadPool;
import java.nio.file.Path;
import java.util.List;

/**
 * A pipeline file as read: settings and steps, not yet checked against components.
 *
 * @param file the file it was read from
 * @param sha256 of the file's bytes, recorded in run.json
 * @param name the pipeline's name (default: the file name without extension)
 * @param seed the seed every random source derives from
 * @param device cpu, cuda, cuda:N or auto
 * @param onMissingDevice fail or fallback
 * @param batchSize rows per batch moved between steps
 * @param out output folder, relative to the working directory
 * @param steps the steps in file order
 * @param nonFinite {@code FAIL} (default) or {@code WARN}: what a NaN or infinite value in a
 *     component's output does
 * @param maxRows the most rows a source or a sampler may produce (default {@link #DEFAULT_MAX_ROWS})
 * @param threadPool {@code SHARED}: every model step on the process's one intra-op pool;
 *     {@code PER_SESSION}: each model session with its own pool; null (not in the file): as the
 *     runtime was built (the CLI's and {@code Genpipe.builder()}'s default is shared)
 * @param threads the pool size: of the shared pool (fixed when the process starts ONNX Runtime; the
 *     CLI reads it from the file first), or of each session's own pool; 0 (default) lets ONNX Runtime
 *     decide (one thread per physical core)
 * @param emptyResult what a step that turns rows into none does: warn (default) or fail
 * @param plugins the plugins folders the file names ({@code plugins:}, resolved against its folder), which the CLI
 *     and the server load besides {@code --plugins-dir}; an embedding application passes them to its builder
 */
public record PipelineDefinition(
        Path file,
        String sha256,
        String name,
        long seed,
        String device,
        String onMissingDevice,
        int batchSize,
        String out,
        List<StepDefinition> steps,
        NonFinitePolicy nonFinite,
        long maxRows,
        ThreadPool threadPool,
        int threads,
        EmptyResultPolicy emptyResult,
        List<Path> plugins) {

    /** Rows a source or sampler may produce unless the file's {@code limits: {rows: N}} raises it. */
    public static final long DEFAULT_MAX_ROWS = 10_000_000;

    public PipelineDefinition {
        steps = List.copyOf(steps);
        emptyResult = emptyResult == null ? EmptyResultPolicy.WARN : emptyResult;
        plugins = plugins == null ? List.of() : List.copyOf(plugins);
    }

    /** A definition with the default nonFinite (fail) and row limit. */
    public PipelineDefinition(
            Path file,
            String sha256,
            String name,
            long seed,
            String device,
            String onMissingDevice,
            int batchSize,
            String out,
            List<StepDefinition> steps) {
        this(
                file,
                sha256,
                name,
                seed,
                device,
                onMissingDevice,
                batchSize,
                out,
                steps,
                NonFinitePolicy.FAIL,
                DEFAULT_MAX_ROWS,
                null,
                0,
                EmptyResultPolicy.WARN,
                List.of());
    }

    public Path folder() {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? Path.of("").toAbsolutePath() : parent;
    }

    public PipelineDefinition withSeed(long newSeed) {
        Copy c = new Copy(this);
        c.seed = newSeed;
        return c.build();
    }

    public PipelineDefinition withDevice(String newDevice, String newOnMissingDevice) {
        Copy c = new Copy(this);
        c.device = newDevice;
        c.onMissingDevice = newOnMissingDevice;
        return c.build();
    }

    public PipelineDefinition withBatchSize(int newBatchSize) {
        Copy c = new Copy(this);
        c.batchSize = newBatchSize;
        return c.build();
    }

    public PipelineDefinition withThreads(ThreadPool newThreadPool, int newThreads) {
        Copy c = new Copy(this);
        c.threadPool = newThreadPool;
        c.threads = newThreads;
        return c.build();
    }

    public PipelineDefinition withSteps(List<StepDefinition> newSteps) {
        Copy c = new Copy(this);
        c.steps = newSteps;
        return c.build();
    }

    /** This pipeline as if written in {@code other}: its relative paths resolve against that file's folder. */
    public PipelineDefinition withFile(Path other) {
        Copy c = new Copy(this);
        c.file = other;
        return c.build();
    }

    /** This pipeline with another sha256: that of its file and the files it includes ({@code use: pipeline:}). */
    public PipelineDefinition withSha256(String newSha256) {
        Copy c = new Copy(this);
        c.sha256 = newSha256;
        return c.build();
    }

    /** The same pipeline with another {@code emptyResult:} ({@code --strict}: fail). */
    public PipelineDefinition withEmptyResult(EmptyResultPolicy policy) {
        Copy c = new Copy(this);
        c.emptyResult = policy;
        return c.build();
    }

    /** A definition's fields, to copy it with some changed. */
    private static final class Copy {
        Path file;
        String sha256;
        String name;
        long seed;
        String device;
        String onMissingDevice;
        int batchSize;
        String out;
        List<StepDefinition> steps;
        NonFinitePolicy nonFinite;
        long maxRows;
        ThreadPool threadPool;
        int threads;
        EmptyResultPolicy emptyResult;
        List<Path> plugins;

        Copy(PipelineDefinition d) {
            file = d.file;
            sha256 = d.sha256;
            name = d.name;
            seed = d.seed;
            device = d.device;
            onMissingDevice = d.onMissingDevice;
            batchSize = d.batchSize;
            out = d.out;
            steps = d.steps;
            nonFinite = d.nonFinite;
            maxRows = d.maxRows;
            threadPool = d.threadPool;
            threads = d.threads;
            emptyResult = d.emptyResult;
            plugins = d.plugins;
        }

        PipelineDefinition build() {
            return new PipelineDefinition(
                    file,
                    sha256,
                    name,
                    seed,
                    device,
                    onMissingDevice,
                    batchSize,
                    out,
                    steps,
                    nonFinite,
                    maxRows,
                    threadPool,
                    threads,
                    emptyResult,
                    plugins);
        }
    }
}
