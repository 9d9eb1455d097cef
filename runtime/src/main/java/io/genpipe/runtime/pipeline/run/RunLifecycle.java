package io.genpipe.runtime.pipeline.run;

import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.pipeline.EmptyResultPolicy;
import io.genpipe.runtime.pipeline.PipelineException;
import io.genpipe.runtime.pipeline.PipelineHost;
import io.genpipe.runtime.pipeline.PipelinePlan;
import io.genpipe.runtime.pipeline.RunResult;
import io.genpipe.runtime.step.FinalStep;
import io.genpipe.runtime.step.StepKind;
import io.genpipe.runtime.step.StepRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * One run, whatever executes its steps: the output folder is claimed (a temporary folder beside the target, the
 * target locked), the engine runs the steps into it, run.json is written, the final steps run from the run's
 * summary, and the folder is committed: renamed into place only when all of that succeeded. A failure anywhere is
 * a {@link RunFailure} and leaves nothing behind; a stop ({@link Cancellation}) ends the run within its grace.
 *
 * <pre>{@code
 * RunResult result = new RunLifecycle(host, log::println).run(plan, Path.of("runs/x"), engine, new Cancellation());
 * }</pre>
 */
public final class RunLifecycle {

    /** How a runner executes a plan's steps (all but the final ones); the lifecycle does the rest. */
    public interface Engine {

        /**
         * Runs the plan's steps, writing their files into {@code folder} and their metrics into {@code metrics}.
         *
         * @return every step's rows and seconds, in plan order
         * @throws RunFailure naming the step that failed (or the engine)
         */
        List<RunResult.StepResult> execute(
                PipelinePlan plan, Path folder, Map<String, Object> metrics, Cancellation cancellation);

        /** Fields run.json records about this engine after the host's provenance (e.g. {@code engine: spark}). */
        default Map<String, Object> runJsonFields() {
            return Map.of();
        }
    }

    /**
     * What a run on rows in memory produced (no output folder).
     *
     * @param metrics the metrics its steps recorded
     * @param steps every step's rows and seconds
     */
    public record InMemoryResult(Map<String, Object> metrics, List<RunResult.StepResult> steps) {}

    private final PipelineHost host;
    private final Consumer<String> log;

    /**
     * @param log receives the runner's lines (stale folders removed, warnings)
     */
    public RunLifecycle(PipelineHost host, Consumer<String> log) {
        this.host = host;
        this.log = log;
    }

    /**
     * Runs {@code plan} with {@code engine} into {@code out}: a new folder, or a previous genpipe run's, replaced
     * only once the run succeeded.
     *
     * @throws PipelineException when {@code out} may not be written (nothing ran)
     * @throws RunFailure naming what failed; nothing is left behind
     */
    public RunResult run(PipelinePlan plan, Path out, Engine engine, Cancellation cancellation) {
        long start = System.nanoTime();
        Map<String, Object> metrics = new TreeMap<>();
        // SIGINT / SIGTERM without a handler run shutdown hooks while step threads may be inside a native run: the
        // hook stops the steps and waits until they left native code and the temporary folder is gone, so the JVM
        // never exits under a running session and nothing stays behind
        Thread hook = new Thread(cancellation::onShutdown, "genpipe-run-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try (OutputFolder folder = OutputFolder.claim(out, plan.definition().file(), log)) {
            cancellation.onAbandon(folder::close);
            Path temp = folder.temp();
            try {
                List<RunResult.StepResult> steps = engine.execute(plan, temp, metrics, cancellation);
                cancellation.check();
                List<String> warnings = emptyResults(plan, steps);
                double seconds = (System.nanoTime() - start) / 1e9;
                Map<String, Object> fields = new LinkedHashMap<>(engine.runJsonFields());
                if (!warnings.isEmpty()) {
                    fields.put("warnings", warnings);
                }
                List<Map<String, Object>> listed = RunJson.write(host, plan, temp, metrics, steps, seconds, fields);
                finish(plan, new FinalStep.RunSummary(temp, plan.definition().name(), metrics, listed));
                cancellation.check();
                folder.commit();
                return new RunResult(folder.target(), metrics, steps, seconds);
            } catch (RunFailure e) {
                throw e.nothingWrittenTo(folder.target());
            }
        } finally {
            cancellation.finished();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting; the hook has waited for this run
            }
        }
    }

    /**
     * Runs {@code plan} with {@code engine} on rows in memory (a served pipeline's request): the steps' files go to
     * a temporary folder removed before this returns; no run.json, no final steps.
     *
     * @throws RunFailure naming what failed
     */
    public InMemoryResult runInMemory(PipelinePlan plan, Engine engine, Cancellation cancellation) {
        Path temp;
        try {
            temp = Files.createTempDirectory("genpipe-rows-");
        } catch (IOException e) {
            throw RunFailure.output("cannot make a temporary folder for the pipeline's files: " + e.getMessage(), e);
        }
        try {
            Map<String, Object> metrics = new TreeMap<>();
            List<RunResult.StepResult> steps = engine.execute(plan, temp, metrics, cancellation);
            cancellation.check();
            return new InMemoryResult(metrics, steps);
        } finally {
            cancellation.finished();
            OutputFolder.deleteTree(temp);
        }
    }

    /**
     * Steps that had input rows and passed none on: a warning each (printed, and returned for run.json), or, with
     * {@code emptyResult: fail} ({@code --strict}), a failure naming the first. Sources, sinks, evaluations (which
     * pass no rows on by design) and steps reading one output of a route (whose rows per output are not counted)
     * are left out.
     */
    private List<String> emptyResults(PipelinePlan plan, List<RunResult.StepResult> steps) {
        Map<String, Long> rows = new HashMap<>();
        steps.forEach(s -> rows.put(s.id(), s.rows()));
        List<String> warnings = new ArrayList<>();
        for (PipelinePlan.Planned p : plan.steps()) {
            List<String> inputs = p.definition().inputs();
            if (inputs.isEmpty()
                    || p.outputs().isEmpty()
                    || p.execution() == StepKind.SINK
                    || p.execution() == StepKind.FINAL
                    || inputs.stream().anyMatch(i -> StepRef.parse(i).output() != null)
                    || rows.getOrDefault(p.id(), -1L) != 0) {
                continue;
            }
            long in = 0;
            for (String i : inputs) {
                in += rows.getOrDefault(i, 0L);
            }
            if (in == 0) {
                continue;
            }
            String why = p.step().whyEmpty().map(w -> ": " + w).orElse("");
            String detail = "passed on none of its " + String.format(Locale.ROOT, "%,d", in) + " input row"
                    + (in == 1 ? "" : "s") + why;
            String message = "step '" + p.id() + "' (" + p.definition().use() + ") " + detail;
            if (plan.definition().emptyResult() == EmptyResultPolicy.FAIL) {
                throw RunFailure.inStep(
                        p.id(),
                        p.definition().location(),
                        new GenpipeException(
                                "it " + detail + "; emptyResult: fail (--strict) makes an empty result an error"));
            }
            log.accept("warning: " + message);
            warnings.add(message);
        }
        return warnings;
    }

    /** The final steps, in plan order, once run.json is written. */
    private static void finish(PipelinePlan plan, FinalStep.RunSummary summary) {
        for (PipelinePlan.Planned p : plan.steps()) {
            if (p.execution() == StepKind.FINAL && p.step() instanceof FinalStep last) {
                try {
                    last.finish(summary);
                } catch (IOException e) {
                    throw RunFailure.output(p.id(), e.getMessage(), e);
                }
            }
        }
    }
}
