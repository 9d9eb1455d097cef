package io.genpipe.runtime.pipeline;

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
 */
public record PipelineDefinition(Path file, String sha256, String name, long seed, String device,
                                 String onMissingDevice, int batchSize, String out, List<StepDefinition> steps) {

    public PipelineDefinition {
        steps = List.copyOf(steps);
    }

    public Path folder() {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? Path.of("").toAbsolutePath() : parent;
    }
}
