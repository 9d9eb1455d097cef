package io.genpipe.runtime.step.eval;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.report.Charts;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code auroc} built-in step: AUROC of score columns, each against the rows whose label is its normal class, and their mean; optionally the ROC curves (global).
 */
public final class AurocEval {

    private AurocEval() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                "auroc",
                StepCategory.EVAL,
                "AUROC of score columns, each against the rows whose label is its normal class; metrics.auroc.<normal>, and .mean (group set by metric:)",
                List.of(
                        ParameterSpec.required(
                                "scores",
                                ParameterType.STRING_LIST,
                                "score columns (higher = more anomalous), one per normal class"),
                        ParameterSpec.required(
                                "normal",
                                ParameterType.STRING_LIST,
                                "the normal label of each score column; other labels are the anomalies"),
                        ParameterSpec.optional("plot", ParameterType.BOOLEAN, "false", "also write <step>-roc.png"),
                        ParameterSpec.optional(
                                "metric",
                                ParameterType.STRING,
                                "auroc",
                                "the run.json group the figures go under: metrics.<metric>.<normal> and .mean")),
                1,
                1,
                (p, folder) -> {
                    List<String> scores = p.getStringList("scores");
                    String group = p.getString("metric");
                    List<Integer> normal = new ArrayList<>();
                    for (String n : p.getStringList("normal")) {
                        try {
                            normal.add(Integer.parseInt(n.trim()));
                        } catch (NumberFormatException e) {
                            throw new GenpipeException("normal lists integer labels; '" + n + "' is not one");
                        }
                    }
                    if (scores.size() != normal.size() || scores.isEmpty()) {
                        throw new GenpipeException("scores and normal must pair up: " + scores.size()
                                + " score columns, " + normal.size() + " normal labels");
                    }
                    Sliced sliced = new Sliced(scores, normal, p.getBoolean("plot"), group);
                    return new Step() {
                        @Override
                        public Optional<Set<String>> readsColumns() {
                            return Optional.of(Set.copyOf(scores));
                        }

                        @Override
                        public Optional<SliceDecision> decision() {
                            return Optional.of(sliced);
                        }

                        @Override
                        public List<PortSpec> outputs(List<StepInput> inputs) {
                            for (String s : scores) {
                                Columns.require(PortSpec.of(s, DType.FLOAT64, "batch"), inputs.get(0));
                            }
                            return List.of();
                        }

                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context)
                                throws Exception {
                            // the passes' arithmetic over one slice holding every row in order: the bits a
                            // distributed runner gets from its sorted slices
                            List<List<double[]>> parts = new ArrayList<>();
                            for (int i = 0; i < scores.size(); i++) {
                                parts.add(new ArrayList<>());
                            }
                            List<Integer> labels = new ArrayList<>();
                            List<String> ids = new ArrayList<>();
                            for (Batch next = inputs.get(0).next();
                                    next != null;
                                    next = inputs.get(0).next()) {
                                try (Batch b = next) {
                                    for (int i = 0; i < scores.size(); i++) {
                                        parts.get(i).add(b.column(scores.get(i)).toDoubleArray());
                                    }
                                    for (int r = 0; r < b.rows(); r++) {
                                        labels.add(b.meta(r).label());
                                        ids.add(b.meta(r).id());
                                    }
                                }
                            }
                            int n = labels.size();
                            List<double[]> columns = new ArrayList<>();
                            for (List<double[]> column : parts) {
                                double[] all = new double[n];
                                int at = 0;
                                for (double[] part : column) {
                                    System.arraycopy(part, 0, all, at, part.length);
                                    at += part.length;
                                }
                                columns.add(all);
                            }
                            SliceDecision.Pass<?> pass = sliced.first();
                            while (pass != null) {
                                ScorePass<?> scored = (ScorePass<?>) pass;
                                double[] values = columns.get(scored.column());
                                Integer[] order = new Integer[n];
                                for (int r = 0; r < n; r++) {
                                    order[r] = r;
                                }
                                Arrays.sort(
                                        order, Comparator.comparingDouble(r -> SliceDecision.Sorted.key(values[r])));
                                SliceDecision.Outcome next = scored.whole(values, labels, ids, order, context);
                                pass = next instanceof SliceDecision.Again again ? again.pass() : null;
                            }
                        }
                    };
                });
    }

    /** The AUROC of each score column in turn, each from a sorted pass (and a second one for its curve). */
    private record Sliced(List<String> scores, List<Integer> normal, boolean plot, String group)
            implements SliceDecision {
        @Override
        public Pass<?> first() {
            return new RankPass(this, 0, List.of(), List.of());
        }

        /** After column {@code k}: the next column's pass, or the metrics (and the chart) once all are done. */
        Outcome after(int k, List<Double> aurocs, List<double[]> curves, int slices, StepContext context) {
            if (k + 1 < scores.size()) {
                return new Again(new RankPass(this, k + 1, aurocs, curves));
            }
            double sum = 0;
            for (int i = 0; i < scores.size(); i++) {
                sum += aurocs.get(i);
                context.metric(group, Integer.toString(normal.get(i)), Numbers.round(aurocs.get(i)));
            }
            if (scores.size() > 1) {
                context.metric(group, "mean", Numbers.round(sum / scores.size()));
            }
            if (!curves.isEmpty()) {
                List<String> names = new ArrayList<>();
                for (int i = 0; i < scores.size(); i++) {
                    names.add(String.format(Locale.ROOT, "normal %d (AUROC %.3f)", normal.get(i), aurocs.get(i)));
                }
                Charts.roc(curves, names, context.outputFolder().resolve(context.stepId() + "-roc.png"));
            }
            return withoutPasses(slices);
        }
    }

    /** A sorted pass over one score column, fed row by row in ascending score order. */
    private interface ScorePass<A extends Serializable> extends SliceDecision.Sorted<A> {
        Sliced spec();

        int column();

        /** One row, in ascending order of the score. */
        void add(A accumulator, double score, Integer label, String id);

        @Override
        default String orderBy() {
            return spec().scores().get(column());
        }

        @Override
        default A add(A accumulator, Batch rows) {
            double[] values = rows.column(orderBy()).toDoubleArray();
            for (int r = 0; r < rows.rows(); r++) {
                RowMeta m = rows.meta(r);
                add(accumulator, values[r], m.label(), m.id());
            }
            return accumulator;
        }

        /** The pass over every row as one slice, in {@code order}. */
        default SliceDecision.Outcome whole(
                double[] values, List<Integer> labels, List<String> ids, Integer[] order, StepContext context)
                throws InterruptedException {
            A accumulator = create();
            for (int r : order) {
                add(accumulator, values[r], labels.get(r), ids.get(r));
            }
            return next(List.of(accumulator), context);
        }

        /** Whether a row is an anomaly for this column (its label is not the column's normal class). */
        default boolean anomaly(double score, Integer label, String id) {
            if (label == null) {
                throw new GenpipeException("row " + id + " has no label; AUROC needs labelled rows");
            }
            if (Double.isNaN(score)) {
                throw new GenpipeException("row " + id + " has a NaN in score column '" + orderBy()
                        + "'; AUROC needs a number for every row");
            }
            return label.intValue() != spec().normal().get(column()).intValue();
        }
    }

    /**
     * One slice's counts, the slice's rows fed in ascending order of score: normal rows and anomalies, twice the
     * Mann-Whitney U within the slice (each anomaly counts the normal rows below it, and half those equal to it),
     * the distinct values (groups) and the slice's lowest value.
     */
    private static final class Ranks implements Serializable {
        private static final long serialVersionUID = 1L;
        long normals;
        long anomalies;
        long twiceU;
        long groups;
        double lowest = Double.NaN;
        double value = Double.NaN;
        long runNormals;
        long runAnomalies;

        void add(double score, boolean anomaly) {
            double key = SliceDecision.Sorted.key(score);
            if (runNormals + runAnomalies > 0 && key != value) {
                if (key < value) {
                    throw new IllegalStateException("rows came out of order: " + key + " after " + value);
                }
                close();
            }
            if (Double.isNaN(lowest)) {
                lowest = key;
            }
            value = key;
            if (anomaly) {
                runAnomalies++;
            } else {
                runNormals++;
            }
        }

        Ranks close() {
            if (runNormals + runAnomalies > 0) {
                twiceU += runAnomalies * (2 * normals + runNormals);
                normals += runNormals;
                anomalies += runAnomalies;
                groups++;
                runNormals = 0;
                runAnomalies = 0;
            }
            return this;
        }
    }

    /** The counts of every slice, in ascending order, summed: totals, and what lies below each slice. */
    @SuppressWarnings("ArrayRecordComponent")
    private record Totals(
            long normals,
            long anomalies,
            long groups,
            double[] lowest,
            long[] normalsBelow,
            long[] anomaliesBelow,
            long[] groupsBelow)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        /** The index of the slice holding {@code key} (slices hold disjoint, ascending ranges). */
        int slice(double key) {
            int at = -1;
            for (int s = 0; s < lowest.length; s++) {
                if (!Double.isNaN(lowest[s]) && lowest[s] <= key) {
                    at = s;
                }
            }
            if (at < 0) {
                throw new IllegalStateException("no slice holds the value " + key);
            }
            return at;
        }
    }

    /** The AUROC of one column from its sorted slices' counts. */
    @SuppressWarnings("ArrayRecordComponent")
    private record RankPass(Sliced spec, int column, List<Double> aurocs, List<double[]> curves)
            implements ScorePass<Ranks> {
        private static final long serialVersionUID = 1L;

        @Override
        public Ranks create() {
            return new Ranks();
        }

        @Override
        public void add(Ranks ranks, double score, Integer label, String id) {
            ranks.add(score, anomaly(score, label, id));
        }

        @Override
        public SliceDecision.Outcome next(List<Ranks> slices, StepContext context) {
            int n = slices.size();
            long normals = 0;
            long anomalies = 0;
            long groups = 0;
            long twiceU = 0;
            double[] lowest = new double[n];
            long[] normalsBelow = new long[n];
            long[] anomaliesBelow = new long[n];
            long[] groupsBelow = new long[n];
            for (int s = 0; s < n; s++) {
                Ranks r = slices.get(s).close();
                lowest[s] = r.lowest;
                normalsBelow[s] = normals;
                anomaliesBelow[s] = anomalies;
                groupsBelow[s] = groups;
                twiceU += r.twiceU + 2 * r.anomalies * normals;
                normals += r.normals;
                anomalies += r.anomalies;
                groups += r.groups;
            }
            if (normals == 0 || anomalies == 0) {
                throw new GenpipeException("score column '" + orderBy() + "' (normal class "
                        + spec.normal().get(column) + "): AUROC needs rows of the normal class and others; got "
                        + normals + " and " + anomalies);
            }
            List<Double> done = new ArrayList<>(aurocs);
            done.add(twiceU / 2.0 / ((double) normals * anomalies));
            if (spec.plot()) {
                Totals totals =
                        new Totals(normals, anomalies, groups, lowest, normalsBelow, anomaliesBelow, groupsBelow);
                return new SliceDecision.Again(new CurvePass(spec, column, done, curves, totals));
            }
            return spec.after(column, done, curves, n, context);
        }
    }

    /** One slice's kept points of the ROC curve: (point index, normal rows at or above, anomalies at or above). */
    private static final class Points implements Serializable {
        private static final long serialVersionUID = 1L;
        final Ranks ranks = new Ranks();
        final List<long[]> kept = new ArrayList<>();
        int slice = -1;
    }

    /**
     * The ROC curve of one column, as the local curve draws it: a point after each distinct score from the top,
     * (false positive rate, true positive rate), every {@code step}-th point kept and the last. Each slice finds
     * its place from the first pass's totals by its lowest value, and keeps its own points.
     */
    private record CurvePass(Sliced spec, int column, List<Double> aurocs, List<double[]> curves, Totals totals)
            implements ScorePass<Points> {
        private static final long serialVersionUID = 1L;
        static final int MAX_POINTS = 400;

        @Override
        public Points create() {
            return new Points();
        }

        private long step() {
            return Math.max(1, (totals.groups() + 1) / MAX_POINTS);
        }

        @Override
        public void add(Points points, double score, Integer label, String id) {
            double key = SliceDecision.Sorted.key(score);
            Ranks r = points.ranks;
            if (points.slice < 0) {
                points.slice = totals.slice(key);
            }
            if (r.runNormals + r.runAnomalies > 0 && key != r.value) {
                keep(points);
            }
            r.add(score, anomaly(score, label, id));
        }

        /** Closes the run of equal values, keeping its point if it is one of the kept. */
        private void keep(Points points) {
            Ranks r = points.ranks;
            int s = points.slice;
            long below = totals.groupsBelow()[s] + r.groups;
            long index = totals.groups() - below; // points count from the top; point 0 is (0, 0)
            long normalsBelow = totals.normalsBelow()[s] + r.normals;
            long anomaliesBelow = totals.anomaliesBelow()[s] + r.anomalies;
            if (index % step() == 0 || index == totals.groups()) {
                points.kept.add(
                        new long[] {index, totals.normals() - normalsBelow, totals.anomalies() - anomaliesBelow});
            }
            r.close();
        }

        @Override
        public SliceDecision.Outcome next(List<Points> slices, StepContext context) {
            List<long[]> all = new ArrayList<>();
            all.add(new long[] {0, 0, 0});
            for (Points points : slices) {
                if (points.ranks.runNormals + points.ranks.runAnomalies > 0) {
                    keep(points);
                }
                all.addAll(points.kept);
            }
            all.sort(Comparator.comparingLong(p -> p[0]));
            double[] flat = new double[all.size() * 2];
            for (int i = 0; i < all.size(); i++) {
                flat[2 * i] = (double) all.get(i)[1] / totals.normals();
                flat[2 * i + 1] = (double) all.get(i)[2] / totals.anomalies();
            }
            List<double[]> done = new ArrayList<>(curves);
            done.add(flat);
            return spec.after(column, aurocs, done, slices.size(), context);
        }
    }
}
