package io.genpipe.runtime.pipeline;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a successful run left behind.
 *
 * @param outputFolder the folder now holding the outputs and run.json
 * @param metrics the metrics recorded, as in run.json
 * @param steps rows and seconds of every step, in the order run.json lists them
 * @param seconds wall time of the run
 */
public record RunResult(Path outputFolder, Map<String, Object> metrics, List<StepResult> steps, double seconds) {

    public RunResult {
        steps = List.copyOf(steps);
    }

    /**
     * One step of a finished run.
     *
     * @param id the step's id
     * @param use the component or built-in step it ran
     * @param rows rows it emitted
     * @param seconds time its thread ran
     */
    public record StepResult(String id, String use, long rows, double seconds) {
        /** The line a run logs for the step when it ends: {@code step ID  ROWS rows  SECONDS s}. */
        public String line() {
            return String.format(Locale.ROOT, "step %-20s %8d rows %8.2f s", id, rows, seconds);
        }
    }
}
