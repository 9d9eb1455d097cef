package io.genpipe.runtime.step.eval;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.Columns;
import io.genpipe.runtime.step.Numbers;
import io.genpipe.runtime.step.SliceDecision;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@code accuracy} built-in step: the share of rows whose predicted class equals their label, per class and overall, with the confusion matrix (global).
 */
public final class AccuracyEval {

    private AccuracyEval() {}
    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                "accuracy",
                StepCategory.EVAL,
                "share of rows whose predicted class equals their label: metrics.<metric>, <metric>PerClass and"
                        + " <metric>Confusion (label -> predicted -> rows)"
                        + " (label fidelity when the rows are generated images and their requested labels)",
                List.of(
                        ParameterSpec.optional(
                                "predicted", ParameterType.STRING, "predicted", "int64 column of predicted classes"),
                        ParameterSpec.optional("metric", ParameterType.STRING, "accuracy", "metric name in run.json")),
                1,
                1,
                (p, folder) -> new Step() {
                    @Override
                    public Optional<SliceDecision> decision() {
                        return Optional.of(new Sliced(p.getString("predicted"), p.getString("metric")));
                    }

                    @Override
                    public Optional<Set<String>> readsColumns() {
                        return Optional.of(Set.of(p.getString("predicted")));
                    }

                    @Override
                    public List<PortSpec> outputs(List<StepInput> inputs) {
                        Columns.require(PortSpec.of(p.getString("predicted"), DType.INT64, "batch"), inputs.get(0));
                        return List.of();
                    }

                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        Map<Integer, long[]> perClass = new TreeMap<>();
                        Map<Integer, Map<Long, Long>> confusion = new TreeMap<>();
                        long right = 0;
                        long total = 0;
                        for (Batch next = inputs.get(0).next();
                                next != null;
                                next = inputs.get(0).next()) {
                            try (Batch b = next) {
                                long[] predicted =
                                        b.column(p.getString("predicted")).toLongArray();
                                for (int r = 0; r < b.rows(); r++) {
                                    RowMeta m = b.meta(r);
                                    if (m.label() == null) {
                                        throw new GenpipeException(
                                                "row " + m.id() + " has no label; accuracy needs labelled rows");
                                    }
                                    long[] counts = perClass.computeIfAbsent(m.label(), k -> new long[2]);
                                    boolean hit = predicted[r] == m.label();
                                    confusion
                                            .computeIfAbsent(m.label(), k -> new TreeMap<>())
                                            .merge(predicted[r], 1L, Long::sum);
                                    counts[0] += hit ? 1 : 0;
                                    counts[1]++;
                                    right += hit ? 1 : 0;
                                    total++;
                                }
                            }
                        }
                        if (total == 0) {
                            throw new GenpipeException("no rows reached this step; accuracy needs at least one");
                        }
                        String metric = p.getString("metric");
                        context.metric(metric, null, Numbers.round((double) right / total));
                        perClass.forEach((label, c) -> context.metric(
                                metric + "PerClass", Integer.toString(label), Numbers.round((double) c[0] / c[1])));
                        confusion.forEach((label, row) -> {
                            Map<String, Object> counts = new LinkedHashMap<>();
                            row.forEach((pred, n) -> counts.put(Long.toString(pred), n));
                            context.metric(metric + "Confusion", Integer.toString(label), counts);
                        });
                    }
                });
    }

    /** The counts of one slice of the rows, or of several merged. */
    private static final class Counts implements Serializable {
        private static final long serialVersionUID = 1L;
        final TreeMap<Integer, long[]> perClass = new TreeMap<>();
        final TreeMap<Integer, TreeMap<Long, Long>> confusion = new TreeMap<>();
        long right;
        long total;

        void add(int label, long predicted) {
            long[] counts = perClass.computeIfAbsent(label, k -> new long[2]);
            boolean hit = predicted == label;
            confusion.computeIfAbsent(label, k -> new TreeMap<>()).merge(predicted, 1L, Long::sum);
            counts[0] += hit ? 1 : 0;
            counts[1]++;
            right += hit ? 1 : 0;
            total++;
        }

        void add(Counts o) {
            o.perClass.forEach((l, c) -> {
                long[] into = perClass.computeIfAbsent(l, k -> new long[2]);
                into[0] += c[0];
                into[1] += c[1];
            });
            o.confusion.forEach((l, row) -> row.forEach((pred, n) ->
                    confusion.computeIfAbsent(l, k -> new TreeMap<>()).merge(pred, n, Long::sum)));
            right += o.right;
            total += o.total;
        }
    }

    /** Accuracy as counts per slice of the rows, summed where the runner is: the same metrics. */
    private record Sliced(String predicted, String metric) implements SliceDecision {
        @Override
        public Pass<?> first() {
            return new Mergeable<Counts>() {
                private static final long serialVersionUID = 1L;

                @Override
                public Counts merge(Counts a, Counts b) {
                    a.add(b);
                    return a;
                }

                @Override
                public Counts create() {
                    return new Counts();
                }

                @Override
                public Counts add(Counts counts, Batch b) {
                    long[] values = b.column(predicted).toLongArray();
                    for (int r = 0; r < b.rows(); r++) {
                        RowMeta m = b.meta(r);
                        if (m.label() == null) {
                            throw new GenpipeException("row " + m.id() + " has no label; accuracy needs labelled rows");
                        }
                        counts.add(m.label(), values[r]);
                    }
                    return counts;
                }

                @Override
                public Outcome next(List<Counts> slices, StepContext context) {
                    Counts all = new Counts();
                    slices.forEach(all::add);
                    if (all.total == 0) {
                        throw new GenpipeException("no rows reached this step; accuracy needs at least one");
                    }
                    context.metric(metric, null, Numbers.round((double) all.right / all.total));
                    all.perClass.forEach((label, c) -> context.metric(
                            metric + "PerClass", Integer.toString(label), Numbers.round((double) c[0] / c[1])));
                    all.confusion.forEach((label, row) -> {
                        Map<String, Object> counts = new LinkedHashMap<>();
                        row.forEach((pred, n) -> counts.put(Long.toString(pred), n));
                        context.metric(metric + "Confusion", Integer.toString(label), counts);
                    });
                    return withoutPasses(slices.size());
                }
            };
        }
    }
}
