package io.genpipe.runtime.step.sink;

import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.FinalStep;
import io.genpipe.runtime.step.SinkStep;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The {@code report} built-in step: report.html once the run has succeeded: metrics, rows per step, every PNG of the run.
 */
public final class ReportSink {

    private ReportSink() {}

    /** Writes the report once the run has finished (a final step: every runner calls it last). */
    static final class ReportStep extends SinkStep implements FinalStep {
        final String title;

        ReportStep(String title) {
            this.title = title;
        }

        @Override
        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) {
            // nothing to stream: a final step runs from the run's summary, in finish()
        }

        @Override
        public void finish(RunSummary summary) throws IOException {
            Path folder = summary.folder();
            Map<String, Object> metrics = summary.metrics();
            List<Map<String, Object>> steps = summary.steps();
            StringBuilder html = new StringBuilder();
            String name = title != null ? title : summary.pipelineName();
            html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                    .append(escape(name))
                    .append("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1100px}"
                            + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
                            + "td.n{text-align:right}img{max-width:100%;image-rendering:pixelated;border:1px solid #ddd}"
                            + "figure{margin:1.5em 0}</style></head><body>\n");
            html.append("<h1>").append(escape(name)).append("</h1>\n<h2>Metrics</h2>\n<table>\n");
            for (Map.Entry<String, Object> e : metrics.entrySet()) {
                html.append("<tr><th>")
                        .append(escape(e.getKey()))
                        .append("</th><td>")
                        .append(escape(String.valueOf(e.getValue())))
                        .append("</td></tr>\n");
            }
            // timings live in run.json only: the same pipeline and seed give the same report, byte for byte
            html.append("</table>\n<h2>Steps</h2>\n<p>Rows each step emitted; seconds per step are in run.json.</p>\n"
                    + "<table><tr><th>step</th><th>use</th><th>rows</th></tr>\n");
            for (Map<String, Object> s : steps) {
                html.append("<tr><td>")
                        .append(escape(String.valueOf(s.get("id"))))
                        .append("</td><td>")
                        .append(escape(String.valueOf(s.get("use"))))
                        .append("</td><td class=\"n\">")
                        .append(s.get("rows"))
                        .append("</td></tr>\n");
            }
            html.append("</table>\n<h2>Images and plots</h2>\n");
            List<String> pngs = new ArrayList<>();
            // the run's pictures, and those its sub-pipelines wrote into their folders (scoring/scores.png)
            try (Stream<Path> files = Files.walk(folder, 2)) {
                files.filter(f -> f.getFileName().toString().endsWith(".png") && Files.isRegularFile(f))
                        .forEach(f -> pngs.add(folder.relativize(f).toString().replace('\\', '/')));
            }
            pngs.sort(null);
            for (String png : pngs) {
                html.append("<figure><img src=\"")
                        .append(escape(png))
                        .append("\" alt=\"")
                        .append(escape(png))
                        .append("\"><figcaption>")
                        .append(escape(png))
                        .append("</figcaption></figure>\n");
            }
            html.append("</body></html>\n");
            try {
                Files.writeString(folder.resolve("report.html"), html.toString(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IOException("cannot write report.html: " + e.getMessage(), e);
            }
        }
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                        "report",
                        StepCategory.SINK,
                        "report.html once the run succeeds: metrics, a per-step table, and every PNG the run wrote (grids, plots)",
                        List.of(ParameterSpec.optional(
                                "title", ParameterType.STRING, null, "page title (default: the pipeline's name)")),
                        0,
                        0,
                        (p, folder) -> new ReportStep(p.findString("title").orElse(null)))
                .runsLast();
    }
}
