package io.genpipe.runtime.step;

import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.Parameters;
import io.genpipe.runtime.component.ParameterBinder;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs one built-in step on batches given directly, without a pipeline or a runner: its
 * parameters bound as a pipeline file's would be, its inputs fed in order, its outputs, metrics
 * and published side values collected. The context is a plain one, with the step's random stream
 * forked from the seed by step id as the runner does.
 */
public final class StepHarness {

    private final BuiltinStep definition;
    private final Step step;
    private final String id;
    private final Path folder;
    private int batchSize = 256;
    private long seed = 42;
    private final Map<String, Object> sideInputs = new LinkedHashMap<>();

    private StepHarness(BuiltinStep definition, Step step, String id, Path folder) {
        this.definition = definition;
        this.step = step;
        this.id = id;
        this.folder = folder;
    }

    /** Binds {@code parameters} (relative paths against {@code folder}) and builds the step. */
    public static StepHarness of(BuiltinStep definition, Map<String, ?> parameters, Path folder) {
        Parameters p = ParameterBinder.bind(
                definition.parameters(), "built-in step '" + definition.name() + "'", parameters, folder);
        OutputPaths.check(p, definition.outputPaths(), "built-in step '" + definition.name() + "'");
        return new StepHarness(definition, definition.create().apply(p, folder), "s", folder);
    }

    public Step step() {
        return step;
    }

    public StepHarness batchSize(int rows) {
        this.batchSize = rows;
        return this;
    }

    public StepHarness seed(long newSeed) {
        this.seed = newSeed;
        return this;
    }

    /** A side value the step reads, as if step {@code producer} had published it. */
    public StepHarness side(String producer, String name, Object value) {
        sideInputs.put(producer + "/" + name, value);
        return this;
    }

    /** What one run of the step gave. */
    public record Result(
            List<Batch> outputs,
            Map<String, List<Batch>> named,
            Map<String, Object> metrics,
            Map<String, Object> published)
            implements AutoCloseable {

        /** The metadata of the rows sent to the named output {@code name} (a step with several), in order. */
        public List<RowMeta> rows(String name) {
            List<RowMeta> all = new ArrayList<>();
            named.getOrDefault(name, List.of()).forEach(b -> all.addAll(b.meta()));
            return all;
        }

        /** Every output row's metadata, in order. */
        public List<RowMeta> rows() {
            List<RowMeta> all = new ArrayList<>();
            outputs.forEach(b -> all.addAll(b.meta()));
            return all;
        }

        /** One column across all output batches, as floats. */
        public float[] floats(String column) {
            List<float[]> parts = new ArrayList<>();
            int n = 0;
            for (Batch b : outputs) {
                float[] f = b.column(column).toFloatArray();
                parts.add(f);
                n += f.length;
            }
            float[] all = new float[n];
            int at = 0;
            for (float[] f : parts) {
                System.arraycopy(f, 0, all, at, f.length);
                at += f.length;
            }
            return all;
        }

        @Override
        public void close() {
            outputs.forEach(Batch::close);
            named.values().forEach(l -> l.forEach(Batch::close));
        }
    }

    /** Feeds {@code inputs} (one list of batches per input, owned by the step from here on) and runs the step. */
    @SafeVarargs
    public final Result run(List<Batch>... inputs) throws Exception {
        List<BatchInput> in = new ArrayList<>();
        for (List<Batch> batches : inputs) {
            Deque<Batch> queue = new ArrayDeque<>(batches);
            in.add(queue::poll);
        }
        List<Batch> out = new ArrayList<>();
        Map<String, Object> metrics = new TreeMap<>();
        Map<String, Object> published = new LinkedHashMap<>();
        RandomSource random = new RandomSource(seed).fork(id);
        StepContext context = new StepContext() {
            @Override
            public String stepId() {
                return id;
            }

            @Override
            public Path pipelineFolder() {
                return folder;
            }

            @Override
            public Path outputFolder() {
                return folder;
            }

            @Override
            public int batchSize() {
                return batchSize;
            }

            @Override
            public RandomSource random() {
                return random;
            }

            @Override
            @SuppressWarnings("unchecked")
            public void metric(String group, String key, Object value) {
                if (key == null) {
                    metrics.put(group, value);
                } else {
                    ((Map<String, Object>) metrics.computeIfAbsent(group, g -> new TreeMap<String, Object>()))
                            .put(key, value);
                }
            }

            @Override
            public Map<String, Object> metrics() {
                return Map.copyOf(metrics);
            }

            @Override
            public void publish(String name, Object value) {
                if (definition.publishes().stream().noneMatch(v -> v.name().equals(name))) {
                    throw new IllegalStateException("step '" + id + "' declares no side value '" + name + "'");
                }
                published.put(name, value);
            }

            @Override
            public Object side(String producer, String name) {
                Object v = sideInputs.get(producer + "/" + name);
                if (v == null) {
                    throw new IllegalStateException("no side value " + producer + "/" + name + " given to the harness");
                }
                return v;
            }
        };
        Map<String, List<Batch>> named = new LinkedHashMap<>();
        List<String> names = step.outputNames();
        BatchOutput output = new BatchOutput() {
            @Override
            public void emit(Batch batch) {
                out.add(batch);
            }

            @Override
            public BatchOutput to(String name) {
                if (!names.contains(name)) {
                    throw new IllegalStateException("step '" + id + "' has no output '" + name + "'");
                }
                return b -> named.computeIfAbsent(name, n -> new ArrayList<>()).add(b);
            }
        };
        step.run(in, output, context);
        return new Result(out, named, metrics, published);
    }

    /** A batch of {@code n} rows: ids {@code prefix-i}, labels {@code i % classes} (none when 0), scores as given (or none). */
    public static Batch rows(String prefix, int from, int n, int classes, double[] scores) {
        List<RowMeta> meta = new ArrayList<>();
        float[] x = new float[n * 2];
        for (int i = 0; i < n; i++) {
            int k = from + i;
            RowMeta m = RowMeta.of(prefix + "-" + k).withSource(prefix);
            if (classes > 0) {
                m = m.withLabel(k % classes);
            }
            if (scores != null) {
                m = m.withScore(scores[i]);
            }
            meta.add(m);
            x[2 * i] = k;
            x[2 * i + 1] = -k;
        }
        return Batch.builder(n)
                .column("x", BufferTensor.ofFloats(x, n, 2))
                .meta(meta)
                .build();
    }
}
