package io.genpipe.runtime.pipeline.run;

import io.genpipe.api.RandomSource;
import io.genpipe.runtime.pipeline.NonFinitePolicy;
import io.genpipe.runtime.pipeline.PipelineDefinition;
import io.genpipe.runtime.step.StepContext;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What every runner gives a running step: its id, the pipeline's folder, batch size and non-finite policy,
 * the run's output folder, the step's random source, metrics recorded into one map (keyed groups in
 * {@link RunJson#metricGroup()} order) and warnings to a log. Runners add side values (and text
 * streaming) their own way.
 */
public abstract class RunStepContext implements StepContext {

    private final String id;
    private final PipelineDefinition definition;
    private final Path folder;
    private final RandomSource random;
    private final Map<String, Object> metrics;
    private final Consumer<String> log;

    /**
     * @param random the step's own source: the run's seed forked by the step id
     * @param metrics where metrics go (shared by the run's steps; guarded by itself)
     */
    protected RunStepContext(
            String id,
            PipelineDefinition definition,
            Path folder,
            RandomSource random,
            Map<String, Object> metrics,
            Consumer<String> log) {
        this.id = id;
        this.definition = definition;
        this.folder = folder;
        this.random = random;
        this.metrics = metrics;
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
                ((Map<String, Object>) metrics.computeIfAbsent(group, g -> RunJson.metricGroup())).put(key, value);
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
        return definition.nonFinite() == NonFinitePolicy.FAIL;
    }

    @Override
    public void warn(String message) {
        log.accept("warning: " + message);
    }
}
