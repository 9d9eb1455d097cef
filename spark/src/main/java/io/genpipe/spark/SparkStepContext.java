package io.genpipe.spark;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.runtime.pipeline.PipelineDefinition;
import io.genpipe.runtime.step.StepContext;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A step's context under the Spark engine, on the driver or an executor: the same random source as the
 * local runner's ({@code seed} forked by the step id; steps fork it per row id), metrics into
 * {@code metrics}, side values from {@code sides} (keys {@code producer/name}; on executors, what the driver
 * published before the stage was planned).
 */
final class SparkStepContext implements StepContext {

    private final String id;
    private final PipelineDefinition definition;
    private final Path folder;
    private final RandomSource random;
    private final Map<String, Object> metrics;
    private final Map<String, Object> sides;
    private final Consumer<String> log;

    SparkStepContext(String id, PipelineDefinition definition, Path folder, Map<String, Object> metrics,
                     Map<String, Object> sides, Consumer<String> log) {
        this.id = id;
        this.definition = definition;
        this.folder = folder;
        this.random = new RandomSource(definition.seed()).fork(id);
        this.metrics = metrics;
        this.sides = sides;
        this.log = log;
    }

    @Override
    public String stepId() {
        return id;
    }

    @Override
    public Path pipelineFolder() {
        return definition.folder();
    }

    @Override
    public Path outputFolder() {
        return folder;
    }

    @Override
    public int batchSize() {
        return definition.batchSize();
    }

    @Override
    public RandomSource random() {
        return random;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void metric(String group, String key, Object value) {
        synchronized (metrics) {
            if (key == null) {
                metrics.put(group, value);
            } else {
                ((Map<String, Object>) metrics.computeIfAbsent(group, g -> io.genpipe.runtime.pipeline.PipelineRunner.metricGroup())).put(key, value);
            }
        }
    }

    @Override
    public Map<String, Object> metrics() {
        synchronized (metrics) {
            return Map.copyOf(metrics);
        }
    }

    @Override
    public boolean failOnNonFinite() {
        return !definition.nonFinite().equals("warn");
    }

    @Override
    public void warn(String message) {
        log.accept("warning: " + message);
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
