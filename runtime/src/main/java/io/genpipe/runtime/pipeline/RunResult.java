package io.genpipe.runtime.pipeline;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a successful run left behind.
 *
 * @param outputFolder the folder now holding the outputs and run.json
 * @param metrics the metrics recorded, as in run.json
 * @param seconds wall time of the run
 */
public record RunResult(Path outputFolder, Map<String, Object> metrics, double seconds) {
}
