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
import io.genpipe.runtime.step.BatchSpool;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.ScoreColumn;
import io.genpipe.runtime.step.SideValue;
import io.genpipe.runtime.step.SliceDecision;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@code flag-quantile} built-in step: tags the rows whose score is in the top fraction of their class as flagged, and publishes the per-class thresholds and counts (global).
 */
public final class FlagQuantile {

    private FlagQuantile() {}

    public static final String FLAGGED = "flagged";

    /** flag-quantile's per-class score thresholds (keys: labels as text, or "all"). */
    public static final SideValue THRESHOLDS = new SideValue(
            "thresholds", SideValue.Type.NUMBER_PER_CLASS, "the score at or above which a row is flagged, per class");

    /** flag-quantile's per-class counts of flagged rows. */
    public static final SideValue COUNTS =
            new SideValue("counts", SideValue.Type.COUNT_PER_CLASS, "how many rows of each class were flagged");

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return base().global(
                        Aggregation.METADATA,
                        "a quantile of the scores per class (or overall): flags the rows above it, ties broken by row order")
                .publishes(THRESHOLDS, COUNTS);
    }

    private static BuiltinStep base() {
        return new BuiltinStep(
                "flag-quantile",
                StepCategory.TRANSFORM,
                "tags (flagged=true) the rows whose score is in the top `fraction` of their class (or overall with by: none);"
                        + " publishes thresholds and counts (per class) for gate / take-per-class, and records metrics.<metric>"
                        + " (count), <metric>PerClass and <metric>Thresholds. Holds all rows until its input ends (quantiles"
                        + " need every score): their columns wait in a file beside the outputs, only ids, labels and scores in memory",
                List.of(
                        ParameterSpec.required("fraction", ParameterType.NUMBER, "share of rows to flag, in (0, 1)"),
                        ParameterSpec.choice(
                                "by", "label", "flag per class (label) or over all rows (none)", "label", "none"),
                        ParameterSpec.optional("metric", ParameterType.STRING, "flagged", "metric name in run.json"),
                        ParameterSpec.optional(
                                "score",
                                ParameterType.STRING,
                                null,
                                "rank by the score column this scorer step wrote (default: the row's score, the"
                                        + " latest scorer's)")),
                1,
                1,
                (p, folder) -> {
                    double fraction = p.getDouble("fraction");
                    if (!(fraction > 0 && fraction < 1)) {
                        throw new GenpipeException("fraction must be in (0, 1), got " + fraction);
                    }
                    boolean perClass = p.getString("by").equals("label");
                    String metric = p.getString("metric");
                    ScoreColumn column = ScoreColumn.of(p.findString("score").orElse(null), "flag-quantile");
                    return new Step() {
                        @Override
                        public List<PortSpec> outputs(List<StepInput> inputs) {
                            column.check(inputs.get(0).columns());
                            return inputs.get(0).columns();
                        }

                        @Override
                        public Optional<Set<String>> readsColumns() {
                            return column.reads();
                        }

                        @Override
                        public Optional<SliceDecision> decision() {
                            return Optional.of(new QuantileSelect(fraction, perClass, metric, column));
                        }

                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context)
                                throws Exception {
                            // the rows wait on disk: only their metadata (ids, labels, scores) stays in memory
                            Map<Integer, List<Double>> scores = new TreeMap<>();
                            List<double[]> rowScores = new ArrayList<>(); // per held batch, its rows' scores
                            try (BatchSpool held = BatchSpool.in(context.outputFolder())) {
                                for (Batch next = inputs.get(0).next();
                                        next != null;
                                        next = inputs.get(0).next()) {
                                    try (Batch b = next) {
                                        rowScores.add(column.scores(b));
                                        held.append(b);
                                    }
                                    double[] batchScores = rowScores.get(rowScores.size() - 1);
                                    List<RowMeta> heldMeta = held.meta(held.batches() - 1);
                                    for (int r = 0; r < heldMeta.size(); r++) {
                                        RowMeta m = heldMeta.get(r);
                                        if (perClass && m.label() == null) {
                                            throw new GenpipeException(
                                                    "row " + m.id() + " has no label; by: label needs labelled rows");
                                        }
                                        scores.computeIfAbsent(perClass ? m.label() : -1, k -> new ArrayList<>())
                                                .add(batchScores[r]);
                                    }
                                }
                                Map<Integer, Double> thresholds = new HashMap<>();
                                Map<Integer, Integer> tiesAllowed = new HashMap<>();
                                for (Map.Entry<Integer, List<Double>> e : scores.entrySet()) {
                                    List<Double> sorted = new ArrayList<>(e.getValue());
                                    sorted.sort(null);
                                    int k = (int) Math.round(fraction * sorted.size());
                                    // rows strictly above the k-th highest score are flagged; ties at it fill
                                    // what is left of the quota, in row order
                                    double t = k == 0 ? Double.POSITIVE_INFINITY : sorted.get(sorted.size() - k);
                                    int above = 0;
                                    for (double v : sorted) {
                                        above += v > t ? 1 : 0;
                                    }
                                    thresholds.put(e.getKey(), t);
                                    tiesAllowed.put(e.getKey(), k - above);
                                }
                                // decide every row first, record the metrics, then emit: steps downstream
                                // (gate, take-per-class) read the thresholds and counts as rows arrive
                                Map<Integer, Integer> flagged = new TreeMap<>();
                                Map<Integer, Integer> ties = new HashMap<>();
                                List<List<RowMeta>> decided = new ArrayList<>();
                                int total = 0;
                                for (int i = 0; i < held.batches(); i++) {
                                    List<RowMeta> meta =
                                            new ArrayList<>(held.meta(i).size());
                                    double[] batchScores = rowScores.get(i);
                                    List<RowMeta> heldMeta = held.meta(i);
                                    for (int r = 0; r < heldMeta.size(); r++) {
                                        RowMeta m = heldMeta.get(r);
                                        double score = batchScores[r];
                                        int group = perClass ? m.label() : -1;
                                        double t = thresholds.get(group);
                                        boolean flag = score > t;
                                        if (!flag
                                                && score == t
                                                && ties.getOrDefault(group, 0) < tiesAllowed.get(group)) {
                                            ties.merge(group, 1, Integer::sum);
                                            flag = true;
                                        }
                                        if (flag) {
                                            flagged.merge(group, 1, Integer::sum);
                                            total++;
                                        }
                                        Map<String, String> tags = new LinkedHashMap<>(m.tags());
                                        tags.put(FLAGGED, Boolean.toString(flag));
                                        meta.add(new RowMeta(m.id(), m.label(), m.source(), m.score(), tags));
                                    }
                                    decided.add(meta);
                                }
                                context.metric(metric, null, total);
                                Map<String, Double> published = new TreeMap<>();
                                Map<String, Long> counts = new TreeMap<>();
                                for (Integer group : scores.keySet()) {
                                    String key = perClass ? Integer.toString(group) : "all";
                                    context.metric(metric + "PerClass", key, flagged.getOrDefault(group, 0));
                                    context.metric(metric + "Thresholds", key, thresholds.get(group));
                                    published.put(key, thresholds.get(group));
                                    counts.put(key, (long) flagged.getOrDefault(group, 0));
                                }
                                context.publish(THRESHOLDS.name(), Collections.unmodifiableMap(published));
                                context.publish(COUNTS.name(), Collections.unmodifiableMap(counts));
                                for (int i = 0; i < held.batches(); i++) {
                                    output.emit(held.read(i, decided.set(i, null)));
                                }
                            }
                        }
                    };
                });
    }
}
