package io.genpipe.runtime.step.sink;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.report.Charts;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.OutputPaths;
import io.genpipe.runtime.step.SinkStep;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.transform.FlagQuantile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.statistics.HistogramDataset;
import org.jfree.data.statistics.HistogramType;

/**
 * The {@code histogram} built-in step: a PNG histogram of the rows' scores, one series per class, per flagged tag, or one.
 */
public final class HistogramSink {

    private HistogramSink() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return base().writes("file");
    }

    private static BuiltinStep base() {
        return new BuiltinStep(
                "histogram",
                StepCategory.SINK,
                "a PNG histogram of the rows' scores, one series per group (by: label, flagged or none)",
                List.of(
                        ParameterSpec.choice(
                                "by", "none", "series per label, per flagged tag, or one", "none", "label", "flagged"),
                        ParameterSpec.optional("bins", ParameterType.INTEGER, "50", "number of bins")
                                .range(1, 10_000),
                        ParameterSpec.optional("title", ParameterType.STRING, "Scores", "chart title"),
                        ParameterSpec.optional("file", ParameterType.STRING, null, "file name (default <step>.png)")),
                1,
                1,
                (p, folder) -> new SinkStep() {
                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        String by = p.getString("by");
                        Map<String, List<Double>> groups = new TreeMap<>();
                        for (Batch next = inputs.get(0).next();
                                next != null;
                                next = inputs.get(0).next()) {
                            try (Batch b = next) {
                                for (RowMeta m : b.meta()) {
                                    if (m.score() == null) {
                                        throw new GenpipeException(
                                                "row " + m.id() + " has no score; put a scorer step before");
                                    }
                                    String key = by.equals("label")
                                            ? "class " + m.label()
                                            : by.equals("flagged")
                                                    ? ("true".equals(m.tags().get(FlagQuantile.FLAGGED))
                                                            ? "flagged"
                                                            : "kept")
                                                    : "all";
                                    groups.computeIfAbsent(key, k -> new ArrayList<>())
                                            .add(m.score());
                                }
                            }
                        }
                        HistogramDataset data = new HistogramDataset();
                        data.setType(HistogramType.FREQUENCY);
                        double min = Double.MAX_VALUE;
                        double max = -Double.MAX_VALUE;
                        for (List<Double> g : groups.values()) {
                            for (double v : g) {
                                min = Math.min(min, v);
                                max = Math.max(max, v);
                            }
                        }
                        for (Map.Entry<String, List<Double>> e : groups.entrySet()) {
                            data.addSeries(
                                    e.getKey(),
                                    e.getValue().stream()
                                            .mapToDouble(Double::doubleValue)
                                            .toArray(),
                                    p.getInt("bins"),
                                    min,
                                    max == min ? min + 1 : max);
                        }
                        JFreeChart chart = ChartFactory.createHistogram(
                                p.getString("title"),
                                "score",
                                "rows",
                                data,
                                PlotOrientation.VERTICAL,
                                groups.size() > 1,
                                false,
                                false);
                        Charts.style(chart);
                        Charts.save(
                                chart,
                                OutputPaths.resolve(
                                        context.outputFolder(),
                                        p.findString("file").orElse(context.stepId() + ".png")));
                    }
                });
    }
}
