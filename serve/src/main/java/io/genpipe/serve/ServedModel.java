package io.genpipe.serve;

import io.genpipe.api.Component;
import io.genpipe.api.Generator;
import io.genpipe.api.RandomSource;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.text.TextGenerator;
import io.genpipe.api.text.TokenListener;
import io.genpipe.runtime.pipeline.PipelineRunner;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A component as served: its name, what it reads and writes, and one call over a batch of rows.
 * Generators draw from a fixed source; every row's own randomness comes from its id, which carries
 * its request's seed and its index there, so a row gets the same draws alone or batched with
 * others (the plugin kit checks every in-tree component for batch-size and row independence).
 */
final class ServedModel {

    static final String SCORE = "score";
    private static final RandomSource FIXED = new RandomSource(0);

    final String name;
    final String use;
    /** The version served (1, then one more each time the repository loads the model again); set before serving. */
    String version = "1";
    /** The served component, or null for a pipeline. */
    final Component component;

    private final Map<String, ParameterSpec> parameters;
    private final List<PortSpec> pipelineInputs;
    private final List<PortSpec> pipelineOutputs;
    private final Function<Batch, PipelineRunner.RowsResult> pipeline;
    private final Runnable cancel;
    /** The metrics of the pipeline run a thread did last (a batcher reads them right after its call). */
    private static final ThreadLocal<Map<String, Object>> METRICS = new ThreadLocal<>();

    ServedModel(String name, String use, Component component) {
        this(name, use, component, List.of());
    }

    /** {@code parameters}: the component's own, in declared order. */
    ServedModel(String name, String use, Component component, List<ParameterSpec> parameters) {
        this.name = name;
        this.use = use;
        this.component = component;
        Map<String, ParameterSpec> byName = new LinkedHashMap<>();
        for (ParameterSpec p : parameters) {
            byName.put(p.name(), p);
        }
        byName.keySet().removeAll(InferenceCodec.PARAMETERS);
        this.parameters = Collections.unmodifiableMap(byName);
        if (!(component instanceof Generator) && !(component instanceof Scorer)) {
            throw new IllegalArgumentException(
                    use + " is a " + component.getClass().getSimpleName());
        }
        this.pipelineInputs = null;
        this.pipelineOutputs = null;
        this.pipeline = null;
        this.cancel = null;
    }

    private ServedModel(
            String name,
            String use,
            List<PortSpec> inputs,
            List<PortSpec> outputs,
            Function<Batch, PipelineRunner.RowsResult> run,
            Runnable cancel) {
        this.name = name;
        this.use = use;
        this.component = null;
        this.parameters = Map.of();
        this.pipelineInputs = List.copyOf(inputs);
        this.pipelineOutputs = List.copyOf(outputs);
        this.pipeline = run;
        this.cancel = cancel;
    }

    /**
     * A pipeline file as a model: a request's rows are what its input step emits, the rows its output step
     * emits come back ({@code run} takes the request's batch and returns those).
     */
    static ServedModel pipeline(
            String name,
            String file,
            List<PortSpec> inputs,
            List<PortSpec> outputs,
            Function<Batch, PipelineRunner.RowsResult> run,
            Runnable cancel) {
        return new ServedModel(name, file, inputs, outputs, run, cancel);
    }

    /** The metrics of the pipeline run this thread did last (then forgotten), or null: a served pipeline's answer carries them. */
    Map<String, Object> takeMetrics() {
        Map<String, Object> m = METRICS.get();
        METRICS.remove();
        return m;
    }

    /** Stops the pipeline run in progress (its answer was given up: a deadline passed); components: nothing. */
    void cancel() {
        if (cancel != null) {
            cancel.run();
        }
    }

    /** Whether this serves a pipeline file rather than a component. */
    boolean isPipeline() {
        return pipeline != null;
    }

    /** Closes the served component (a pipeline's components belong to the runtime). */
    void close() {
        if (component != null) {
            component.close();
        }
    }

    /** The component's own parameters (but the request's seed/label/rows/format); a request may set those that are not files. */
    Map<String, ParameterSpec> parameters() {
        return parameters;
    }

    String role() {
        return pipeline != null ? "pipeline" : component instanceof Generator ? "generator" : "scorer";
    }

    List<PortSpec> inputs() {
        return pipeline != null ? pipelineInputs : component.inputs();
    }

    List<PortSpec> outputs() {
        if (pipeline != null) {
            return pipelineOutputs;
        }
        return component instanceof Scorer ? List.of(PortSpec.of(SCORE, DType.FLOAT64, "batch")) : component.outputs();
    }

    /** Whether the model generates text (the generate endpoints; streaming). */
    boolean text() {
        return component instanceof TextGenerator;
    }

    /** The component over {@code in}: a new batch the caller owns, one row per input row, with the input's metadata. */
    Batch apply(Batch in) {
        return apply(in, TokenListener.NONE);
    }

    /** As {@link #apply(Batch)}, a text generator streaming each row's pieces to {@code listener} as they come. */
    Batch apply(Batch in, TokenListener listener) {
        if (pipeline != null) {
            PipelineRunner.RowsResult r = pipeline.apply(in);
            METRICS.set(r.metrics());
            return r.rows();
        }
        if (component instanceof TextGenerator t) {
            return t.generate(in, FIXED, listener);
        }
        if (component instanceof Generator g) {
            return g.generate(in, FIXED);
        }
        double[] scores = ((Scorer) component).score(in);
        return Batch.builder(in.rows())
                .meta(in.meta())
                .column(SCORE, BufferTensor.ofDoubles(scores, scores.length))
                .build();
    }
}
