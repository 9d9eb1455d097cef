package io.genpipe.runtime.step.eval;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.eval.Auroc;
import io.genpipe.runtime.report.Charts;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.Columns;
import io.genpipe.runtime.step.Numbers;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.util.ArrayList;
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
                    return new Step() {
                        @Override
                        public Optional<Set<String>> readsColumns() {
                            return Optional.of(Set.copyOf(scores));
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
                            List<double[]> values = new ArrayList<>();
                            List<Integer> labels = new ArrayList<>();
                            for (Batch next = inputs.get(0).next();
                                    next != null;
                                    next = inputs.get(0).next()) {
                                try (Batch b = next) {
                                    double[][] cols = new double[scores.size()][];
                                    for (int i = 0; i < scores.size(); i++) {
                                        cols[i] = b.column(scores.get(i)).toDoubleArray();
                                    }
                                    for (int r = 0; r < b.rows(); r++) {
                                        RowMeta m = b.meta(r);
                                        if (m.label() == null) {
                                            throw new GenpipeException(
                                                    "row " + m.id() + " has no label; AUROC needs labelled rows");
                                        }
                                        labels.add(m.label());
                                        double[] row = new double[scores.size()];
                                        for (int i = 0; i < row.length; i++) {
                                            row[i] = cols[i][r];
                                        }
                                        values.add(row);
                                    }
                                }
                            }
                            double sum = 0;
                            List<double[]> curves = new ArrayList<>();
                            List<String> names = new ArrayList<>();
                            for (int i = 0; i < scores.size(); i++) {
                                double[] s = new double[values.size()];
                                boolean[] anomaly = new boolean[values.size()];
                                for (int r = 0; r < s.length; r++) {
                                    s[r] = values.get(r)[i];
                                    anomaly[r] = labels.get(r) != normal.get(i).intValue();
                                }
                                double a = Auroc.compute(s, anomaly);
                                sum += a;
                                if (p.getBoolean("plot")) {
                                    curves.add(Auroc.curve(s, anomaly, 400));
                                    names.add(String.format(Locale.ROOT, "normal %d (AUROC %.3f)", normal.get(i), a));
                                }
                                context.metric(group, Integer.toString(normal.get(i)), Numbers.round(a));
                            }
                            if (scores.size() > 1) {
                                context.metric(group, "mean", Numbers.round(sum / scores.size()));
                            }
                            if (!curves.isEmpty()) {
                                Charts.roc(
                                        curves, names, context.outputFolder().resolve(context.stepId() + "-roc.png"));
                            }
                        }
                    };
                });
    }
}
