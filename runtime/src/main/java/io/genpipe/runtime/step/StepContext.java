package io.genpipe.runtime.step;

import io.genpipe.api.RandomSource;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.text.TokenListener;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a running step may use: its id, the pipeline's folder (for relative input paths), the
 * run's output folder (a temporary folder until the run succeeds), its own random source and
 * the run's metrics.
 */
public interface StepContext {

    String stepId();

    /** Folder of the pipeline file; relative input paths resolve against it. */
    Path pipelineFolder();

    /** The run's output folder; files written here appear only if the whole run succeeds. */
    Path outputFolder();

    /** Rows per batch, from the pipeline's batchSize. */
    int batchSize();

    /** A random source derived from the run's seed and this step's id only. */
    RandomSource random();

    /**
     * Records a metric in run.json under {@code metrics.<group>.<key>} (or {@code metrics.<group>}
     * when key is null).
     */
    void metric(String group, String key, Object value);

    /** Metrics recorded so far, for steps that summarise. */
    Map<String, Object> metrics();

    /** Whether a NaN or infinite value in a component's output fails the step (the pipeline's nonFinite: fail). */
    default boolean failOnNonFinite() {
        return true;
    }

    /** Reports something the run goes on despite (printed by the CLI, logged by an embedder's listener). */
    default void warn(String message) {}

    /**
     * Publishes a side value this step declared ({@link BuiltinStep#publishes}); steps reading it
     * wait until it is published.
     *
     * @throws IllegalStateException when this step did not declare {@code name}
     */
    default void publish(String name, Object value) {
        throw new IllegalStateException("step '" + stepId() + "' declares no side value '" + name + "'");
    }

    /**
     * The side value {@code name} published by step {@code producer}, waiting until it is
     * published. The validator has checked that the producer declares it with the right type.
     *
     * @throws io.genpipe.api.GenpipeException when the producer ended without publishing it
     */
    default Object side(String producer, String name) throws InterruptedException {
        throw new IllegalStateException("no side values in this context");
    }

    /**
     * Where a text generator streams the pieces of {@code rows}' texts: the run's progress
     * listener when it wants text, otherwise {@link TokenListener#NONE}.
     */
    default TokenListener tokens(List<RowMeta> rows) {
        return TokenListener.NONE;
    }
}
