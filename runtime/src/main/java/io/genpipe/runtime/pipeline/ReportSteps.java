package io.genpipe.runtime.pipeline;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.statistics.HistogramDataset;
import org.jfree.data.statistics.HistogramType;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Plots (JFreeChart, PNG) and the HTML report of a run. */
final class ReportSteps {

    private ReportSteps() {
    }

    static List<BuiltinStep> all() {
        return List.of(histogram().writes("file"), report());
    }

    static BuiltinStep histogram() {
        return new BuiltinStep("histogram", "sink",
                "a PNG histogram of the rows' scores, one series per group (by: label, flagged or none)",
                List.of(ParameterSpec.choice("by", "none", "series per label, per flagged tag, or one", "none", "label", "flagged"),
                        ParameterSpec.optional("bins", ParameterType.INTEGER, "50", "number of bins"),
                        ParameterSpec.optional("title", ParameterType.STRING, "Scores", "chart title"),
                        ParameterSpec.optional("file", ParameterType.STRING, null, "file name (default <step>.png)")),
                1, 1, (p, folder) -> new SinkStep() {
                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        String by = p.getString("by");
                        Map<String, List<Double>> groups = new TreeMap<>();
                        for (Batch next = inputs.get(0).next(); next != null; next = inputs.get(0).next()) {
                            try (Batch b = next) {
                                for (RowMeta m : b.meta()) {
                                    if (m.score() == null) {
                                        throw new GenpipeException("row " + m.id() + " has no score; put a scorer step before");
                                    }
                                    String key = by.equals("label") ? "class " + m.label()
                                            : by.equals("flagged") ? ("true".equals(m.tags().get(DatasetSteps.FLAGGED)) ? "flagged" : "kept")
                                            : "all";
                                    groups.computeIfAbsent(key, k -> new ArrayList<>()).add(m.score());
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
                            data.addSeries(e.getKey(), e.getValue().stream().mapToDouble(Double::doubleValue).toArray(),
                                    p.getInt("bins"), min, max == min ? min + 1 : max);
                        }
                        JFreeChart chart = ChartFactory.createHistogram(p.getString("title"), "score", "rows", data,
                                PlotOrientation.VERTICAL, groups.size() > 1, false, false);
                        style(chart);
                        save(chart, OutputPaths.resolve(context.outputFolder(), p.findString("file").orElse(context.stepId() + ".png")));
                    }
                });
    }

    /** A ROC curve PNG from scores and positives; used by the auroc step when asked to plot. */
    static void roc(List<double[]> curves, List<String> names, Path file) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (int i = 0; i < curves.size(); i++) {
            XYSeries s = new XYSeries(names.get(i), false);
            double[] c = curves.get(i);
            for (int k = 0; k + 1 < c.length; k += 2) {
                s.add(c[k], c[k + 1]);
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("ROC", "false positive rate", "true positive rate", data,
                PlotOrientation.VERTICAL, curves.size() > 1, false, false);
        style(chart);
        save(chart, file);
    }

    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        if (chart.getPlot() instanceof XYPlot) {
            XYPlot plot = (XYPlot) chart.getPlot();
            plot.setBackgroundPaint(new Color(248, 248, 248));
            plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
            plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
            for (int i = 0; i < plot.getSeriesCount(); i++) {
                plot.getRenderer().setSeriesStroke(i, new BasicStroke(1.5f));
            }
        }
    }

    private static void save(JFreeChart chart, Path file) {
        try {
            ChartUtils.saveChartAsPNG(file.toFile(), chart, 720, 420);
        } catch (IOException e) {
            throw new GenpipeException("cannot write plot " + file + ": " + e.getMessage(), e);
        }
    }

    static BuiltinStep report() {
        return new BuiltinStep("report", "sink",
                "report.html once the run succeeds: metrics, a per-step table, and every PNG the run wrote (grids, plots)",
                List.of(ParameterSpec.optional("title", ParameterType.STRING, null, "page title (default: the pipeline's name)")),
                0, 0, (p, folder) -> new ReportStep(p.findString("title").orElse(null)));
    }

    /** Marks a run for a report; the runner writes it when every other step has finished. */
    static final class ReportStep extends SinkStep {
        final String title;

        ReportStep(String title) {
            this.title = title;
        }

        @Override
        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) {
            // nothing to stream: see PipelineRunner, which calls write() after the run
        }

        void write(Path folder, String pipelineName, Map<String, Object> metrics, List<Map<String, Object>> steps)
                throws IOException {
            StringBuilder html = new StringBuilder();
            String name = title != null ? title : pipelineName;
            html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(escape(name))
                    .append("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1100px}"
                            + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
                            + "td.n{text-align:right}img{max-width:100%;image-rendering:pixelated;border:1px solid #ddd}"
                            + "figure{margin:1.5em 0}</style></head><body>\n");
            html.append("<h1>").append(escape(name)).append("</h1>\n<h2>Metrics</h2>\n<table>\n");
            for (Map.Entry<String, Object> e : metrics.entrySet()) {
                html.append("<tr><th>").append(escape(e.getKey())).append("</th><td>").append(escape(String.valueOf(e.getValue())))
                        .append("</td></tr>\n");
            }
            // timings live in run.json only: the same pipeline and seed give the same report, byte for byte
            html.append("</table>\n<h2>Steps</h2>\n<p>Rows each step emitted; seconds per step are in run.json.</p>\n"
                    + "<table><tr><th>step</th><th>use</th><th>rows</th></tr>\n");
            for (Map<String, Object> s : steps) {
                html.append("<tr><td>").append(escape(String.valueOf(s.get("id")))).append("</td><td>")
                        .append(escape(String.valueOf(s.get("use")))).append("</td><td class=\"n\">").append(s.get("rows"))
                        .append("</td></tr>\n");
            }
            html.append("</table>\n<h2>Images and plots</h2>\n");
            List<String> pngs = new ArrayList<>();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*.png")) {
                files.forEach(f -> pngs.add(f.getFileName().toString()));
            }
            pngs.sort(null);
            for (String png : pngs) {
                html.append("<figure><img src=\"").append(escape(png)).append("\" alt=\"").append(escape(png))
                        .append("\"><figcaption>").append(escape(png)).append("</figcaption></figure>\n");
            }
            html.append("</body></html>\n");
            Files.writeString(folder.resolve("report.html"), html.toString(), StandardCharsets.UTF_8);
        }
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
