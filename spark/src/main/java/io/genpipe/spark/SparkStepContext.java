package io.genpipe.spark;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.runtime.pipeline.PipelineDefinition;
import io.genpipe.runtime.pipeline.run.RunStepContext;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A step's context under the Spark engine, on the driver or an executor: the local runner's random source
 * ({@code seed} forked by the step id; steps fork it per row id) and metrics, side values from
 * {@code sides} (keys {@code producer/name}; on executors, what the driver published before the stage was
 * planned).
 */
final class SparkStepContext extends RunStepContext {

    private final String id;
    private final Map<String, Object> sides;

    SparkStepContext(
            String id,
            PipelineDefinition definition,
            Path folder,
            Map<String, Object> metrics,
            Map<String, Object> sides,
            Consumer<String> log) {
        this(id, definition, folder, new RandomSource(definition.seed()).fork(id), metrics, sides, log);
    }

    /** A context with its own random source (a loop's chain step: the loop's, forked by the step's id). */
    SparkStepContext(
            String id,
            PipelineDefinition definition,
            Path folder,
            RandomSource random,
            Map<String, Object> metrics,
            Map<String, Object> sides,
            Consumer<String> log) {
        super(id, definition, folder, random, metrics, log);
        this.id = id;
        this.sides = sides;
    }

    @Override
    public void publish(String name, Object value) {
        synchronized (sides) {
            if (sides.putIfAbsent(id + "/" + name, value) != null) {
                throw new IllegalStateException("step '" + id + "' published '" + name + "' twice");
            }
        }
    }

    @Override
    public Object side(String producer, String name) {
        synchronized (sides) {
            Object v = sides.get(producer + "/" + name);
            if (v == null) {
                throw new GenpipeException("step '" + producer + "' ended without publishing its " + name);
            }
            return v;
        }
    }
}
