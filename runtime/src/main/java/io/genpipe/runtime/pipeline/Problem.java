package io.genpipe.runtime.pipeline;

/**
 * One thing wrong with a pipeline: where, in which step, and what would be right.
 *
 * @param location file, line and column
 * @param stepId the step it concerns, or null for the pipeline as a whole
 * @param message what is wrong and what would be right
 */
public record Problem(Location location, String stepId, String message) {

    @Override
    public String toString() {
        return location + ": " + (stepId == null ? "" : "step '" + stepId + "': ") + message;
    }
}
