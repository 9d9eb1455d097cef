package io.genpipe.runtime.step.transform;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.step.Aggregation;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.ScoreColumn;
import io.genpipe.runtime.step.SliceDecision;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@code top-k} built-in step: the k rows with the highest scores, highest first; with {@code by: label} the k
 * highest of each class, classes in ascending order (rows without a label last), highest first within each (global).
 */
public final class TopK {

    private TopK() {}

    private static Batch row(Batch b, int r) {
        return b.select(List.of(r));
    }

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return base().global(Aggregation.METADATA, "the k rows with the highest scores, ties broken by row order");
    }

    private static BuiltinStep base() {
        return new BuiltinStep(
                "top-k",
                StepCategory.TRANSFORM,
                "the k rows with the highest scores, highest first; with by: label the k highest of each class,"
                        + " class by class (holds k rows per class while its input streams)",
                List.of(
                        ParameterSpec.required("k", ParameterType.INTEGER, "rows kept (per class with by: label)")
                                .range(1, 1_000_000),
                        ParameterSpec.choice(
                                "by",
                                "none",
                                "none: the k highest of all rows; label: the k highest of each class",
                                "none",
                                "label"),
                        ParameterSpec.optional(
                                "score",
                                ParameterType.STRING,
                                null,
                                "rank by the score column this scorer step wrote (default: the row's score, the"
                                        + " latest scorer's)")),
                1,
                1,
                (p, folder) -> {
                    int k = p.getInt("k");
                    boolean byLabel = p.getString("by").equals("label");
                    if (k < 1) {
                        throw new GenpipeException("k must be >= 1, got " + k);
                    }
                    ScoreColumn scores = ScoreColumn.of(p.findString("score").orElse(null), "top-k");
                    return new Step() {
                        @Override
                        public List<PortSpec> outputs(List<StepInput> inputs) {
                            scores.check(inputs.get(0).columns());
                            return inputs.get(0).columns();
                        }

                        @Override
                        public Optional<Set<String>> readsColumns() {
                            return scores.reads();
                        }

                        @Override
                        public Optional<SliceDecision> decision() {
                            return Optional.of(new TopSelect(k, byLabel, scores));
                        }

                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context)
                                throws Exception {
                            // a min-heap of single-row batches: memory is k rows whatever the input size; on
                            // equal scores the later row counts as lower, so ties keep the earlier rows
                            record Ranked(Batch row, double score, long seq) {}
                            Comparator<Ranked> lowFirst = Comparator.comparingDouble(Ranked::score)
                                    .thenComparing(Ranked::seq, Comparator.reverseOrder());
                            // one heap per class (by: label; null is the rows without a label), or one for all
                            Map<Integer, PriorityQueue<Ranked>> heaps =
                                    new TreeMap<>(Comparator.nullsLast(Comparator.<Integer>naturalOrder()));
                            long seq = 0;
                            try {
                                for (Batch next = inputs.get(0).next();
                                        next != null;
                                        next = inputs.get(0).next()) {
                                    try (Batch b = next) {
                                        double[] score = scores.scores(b);
                                        for (int r = 0; r < b.rows(); r++, seq++) {
                                            RowMeta m = b.meta(r);
                                            PriorityQueue<Ranked> best = heaps.computeIfAbsent(
                                                    byLabel ? m.label() : Integer.valueOf(0),
                                                    g -> new PriorityQueue<>(lowFirst));
                                            if (best.size() < k
                                                    || score[r] > best.peek().score()) {
                                                best.add(new Ranked(row(b, r), score[r], seq));
                                                if (best.size() > k) {
                                                    best.poll().row().close();
                                                }
                                            }
                                        }
                                    }
                                }
                                for (PriorityQueue<Ranked> best : heaps.values()) {
                                    List<Batch> ordered = new ArrayList<>();
                                    while (!best.isEmpty()) {
                                        ordered.add(0, best.poll().row());
                                    }
                                    for (int i = 0; i < ordered.size(); i++) {
                                        try {
                                            output.emit(ordered.get(i));
                                        } catch (InterruptedException | RuntimeException e) {
                                            ordered.subList(i + 1, ordered.size())
                                                    .forEach(Batch::close);
                                            throw e;
                                        }
                                    }
                                }
                            } finally {
                                heaps.values()
                                        .forEach(best ->
                                                best.forEach(e -> e.row().close()));
                            }
                        }
                    };
                });
    }
}
