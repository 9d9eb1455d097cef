package io.genpipe.runtime.step;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A step that runs once every other step has ended and run.json is written ({@link StepKind#FINAL}), from the
 * run's summary: every runner calls it the same way, on the node that writes the output folder.
 */
public interface FinalStep {

    /**
     * Writes what this step makes of the finished run into {@code summary.folder()}.
     *
     * @throws IOException when it cannot be written (the run then fails and nothing is kept)
     */
    void finish(RunSummary summary) throws IOException;

    /**
     * A finished run, as run.json has it.
     *
     * @param folder the run's output folder (still the temporary one)
     * @param pipelineName the pipeline's name
     * @param metrics the metrics recorded
     * @param steps each step as run.json lists it: id, use, rows, seconds
     */
    record RunSummary(Path folder, String pipelineName, Map<String, Object> metrics, List<Map<String, Object>> steps) {

        public RunSummary {
            metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics)); // in run.json's order
            steps = List.copyOf(steps);
        }
    }
}
