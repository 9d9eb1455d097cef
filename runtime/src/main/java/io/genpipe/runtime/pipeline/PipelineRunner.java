package io.genpipe.runtime.pipeline;

import io.genpipe.api.data.Batch;
import io.genpipe.runtime.pipeline.run.Cancellation;
import io.genpipe.runtime.pipeline.run.RunFailure;
import io.genpipe.runtime.pipeline.run.RunLifecycle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The local runner: runs a validated pipeline on this machine, one thread per step connected by bounded queues,
 * through the run lifecycle every runner shares ({@link RunLifecycle}: output folder, run.json, final steps,
 * cancellation, failures). Outputs go to a temporary folder beside the target, renamed into place only when every
 * step succeeded; a failing step (or a stop) stops the others and leaves no output folder behind.
 */
public final class PipelineRunner {

    private final PipelineHost host;
    private final Consumer<String> log;
    private volatile Progress progress = (step, rows) -> {};
    private volatile Cancellation current;

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

    /**
     * What a run on rows in memory gives back.
     *
     * @param rows what the output step emitted, as one batch (owned by the caller)
     * @param metrics the metrics the run's steps recorded
     */
    public record RowsResult(Batch rows, Map<String, Object> metrics) {}

    /**
     * @param log receives one line per finished step
     */
    public PipelineRunner(PipelineHost host, Consumer<String> log) {
        this.host = host;
        this.log = log;
    }

    /** Sets the progress listener (e.g. a terminal status line). */
    public PipelineRunner progress(Progress listener) {
        this.progress = listener;
        return this;
    }

    /**
     * Runs {@code plan} into {@code out}.
     *
     * @param out the output folder: a new path, or a previous genpipe run's folder, which is replaced atomically
     *     only after the run succeeded
     * @throws PipelineException when {@code out} may not be written (nothing ran)
     * @throws RunFailure naming the step that failed; nothing is left behind
     */
    public RunResult run(PipelinePlan plan, Path out) {
        Cancellation cancellation = begin();
        try {
            return new RunLifecycle(host, log)
                    .run(plan, out, new LocalEngine(log, progress, Map.of(), Map.of()), cancellation);
        } finally {
            current = null;
        }
    }

    /**
     * Runs {@code plan} on rows in memory, e.g. one request of a served pipeline: {@code rows} (owned by this call
     * from now on) are what the source step {@code input} emits instead of reading its file, and what the step
     * {@code output} emits comes back as one batch. The other steps run as in a run; sinks write into a temporary
     * folder removed before this returns; no run.json, no output folder.
     *
     * @throws RunFailure naming the step that failed: {@link RunFailure.Code#STEP_REFUSED} when it refused the rows
     */
    public RowsResult runOn(PipelinePlan plan, String input, Batch rows, String output) {
        if (plan.steps().stream().noneMatch(p -> p.id().equals(input))
                || plan.steps().stream().noneMatch(p -> p.id().equals(output))) {
            rows.close();
            throw RunFailure.engine(
                    "pipeline " + plan.definition().name() + " has no step "
                            + (plan.steps().stream().noneMatch(p -> p.id().equals(input)) ? input : output),
                    null);
        }
        List<Batch> captured = Collections.synchronizedList(new ArrayList<>());
        Cancellation cancellation = begin();
        try {
            LocalEngine engine = new LocalEngine(log, progress, Map.of(input, rows), Map.of(output, captured::add));
            RunLifecycle.InMemoryResult result = new RunLifecycle(host, log).runInMemory(plan, engine, cancellation);
            Batch answer = Batch.concat(captured);
            return new RowsResult(answer, result.metrics());
        } finally {
            current = null;
            captured.forEach(Batch::close);
        }
    }

    private Cancellation begin() {
        Cancellation cancellation = new Cancellation();
        current = cancellation;
        return cancellation;
    }

    /**
     * Stops the run in progress, if any, from any thread (e.g. a signal handler) and returns at once: its steps
     * are interrupted, and {@link #run} ends with "run stopped by a signal" once every step has ended (or after
     * {@link Cancellation#GRACE}, leaving behind a step that ignores interruption) and the temporary folder is
     * gone.
     *
     * @return whether a run was in progress
     */
    public boolean cancel() {
        Cancellation c = current;
        if (c == null) {
            return false;
        }
        c.cancel();
        return true;
    }

    /** Removes the partial output of the run in progress, if any, without waiting for it (see {@link #cancel}). */
    public void abandon() {
        Cancellation c = current;
        if (c != null) {
            c.abandon();
        }
    }

    /**
     * Waits until the run in progress (if any) has ended or, when the JVM is shutting down under it, until its
     * temporary folder is gone.
     *
     * @return false when that did not happen within {@code millis}
     */
    public boolean awaitCleanup(long millis) throws InterruptedException {
        Cancellation c = current;
        return c == null || c.awaitCleaned(millis);
    }
}
