package io.genpipe.runtime.step.sink;

import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.io.Json;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.FinalStep;
import io.genpipe.runtime.step.SinkStep;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The {@code report} built-in step: report.html once the run has succeeded: metrics (per-class values as tables,
 * confusion matrices as shaded grids, numbers rounded for reading), rows in and out per step, links to every output,
 * every PNG of the run.
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
                            + "table{border-collapse:collapse;margin:.5em 0 1em}"
                            + "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
                            + "td.n{text-align:right;font-variant-numeric:tabular-nums}"
                            + "table.grid td{text-align:right;min-width:2.5em}"
                            + "img{max-width:100%;image-rendering:pixelated;border:1px solid #ddd}"
                            + "figure{margin:1.5em 0}h3{margin-bottom:.2em}</style></head><body>\n");
            html.append("<h1>").append(escape(name)).append("</h1>\n<h2>Metrics</h2>\n");
            html.append("<p>Numbers rounded for reading; run.json has them in full.</p>\n");
            // plain values first, in one table; per-class values side by side, one row per class, in one table per
            // set of classes; then each metric with a structure of its own (a confusion matrix as a grid)
            StringBuilder plain = new StringBuilder();
            Map<Set<String>, Map<String, Map<?, ?>>> perClass = new LinkedHashMap<>();
            StringBuilder structured = new StringBuilder();
            for (Map.Entry<String, Object> e : metrics.entrySet()) {
                if (e.getValue() instanceof Map<?, ?> m && flat(m) && !m.isEmpty()) {
                    Set<String> keys = new TreeSet<>(ReportSink::byNumberThenText);
                    m.keySet().forEach(k -> keys.add(String.valueOf(k)));
                    perClass.computeIfAbsent(keys, k -> new LinkedHashMap<>()).put(e.getKey(), m);
                } else if (e.getValue() instanceof Map<?, ?> m) {
                    structured.append("<h3>").append(escape(e.getKey())).append("</h3>\n");
                    metric(structured, e.getKey(), m);
                } else {
                    plain.append("<tr><th>")
                            .append(escape(e.getKey()))
                            .append("</th><td class=\"n\">")
                            .append(escape(number(e.getValue())))
                            .append("</td></tr>\n");
                }
            }
            if (plain.length() > 0) {
                html.append("<table>\n").append(plain).append("</table>\n");
            }
            for (Map.Entry<Set<String>, Map<String, Map<?, ?>>> group : perClass.entrySet()) {
                html.append("<table><tr><th>")
                        .append(escape(keyName(group.getKey())))
                        .append("</th>");
                group.getValue()
                        .keySet()
                        .forEach(n -> html.append("<th>").append(escape(n)).append("</th>"));
                html.append("</tr>\n");
                for (String k : group.getKey()) {
                    html.append("<tr><th>").append(escape(k)).append("</th>");
                    for (Map<?, ?> m : group.getValue().values()) {
                        Object v = lookup(m, k);
                        html.append("<td class=\"n\">")
                                .append(v == null ? "" : escape(number(v)))
                                .append("</td>");
                    }
                    html.append("</tr>\n");
                }
                html.append("</table>\n");
            }
            html.append(structured);
            // timings live in run.json only: the same pipeline and seed give the same report, byte for byte
            html.append("<h2>Steps</h2>\n<p>Rows each step read and passed on (a sink: the rows it wrote), and its"
                    + " seconds (from timings.js, beside run.json: this page itself stays the same bytes for the"
                    + " same pipeline and seed).</p>\n"
                    + "<table id=\"steps\"><tr><th>step</th><th>use</th><th>rows in</th><th>rows out</th>"
                    + "<th>seconds</th></tr>\n");
            Map<String, Long> rows = new LinkedHashMap<>();
            steps.forEach(s -> rows.put(String.valueOf(s.get("id")), ((Number) s.get("rows")).longValue()));
            for (Map<String, Object> s : steps) {
                html.append("<tr><td>")
                        .append(escape(String.valueOf(s.get("id"))))
                        .append("</td><td>")
                        .append(escape(String.valueOf(s.get("use"))))
                        .append("</td><td class=\"n\">")
                        .append(escape(rowsIn(s, rows)))
                        .append("</td><td class=\"n\">")
                        .append(s.get("rows"))
                        .append("</td><td class=\"n\" data-step=\"")
                        .append(escape(String.valueOf(s.get("id"))))
                        .append("\"></td></tr>\n");
            }
            html.append("</table>\n<h2>Files</h2>\n<ul>\n");
            List<Path> entries;
            try (Stream<Path> list = Files.list(folder)) {
                entries = list.sorted().toList();
            }
            for (Path entry : entries) {
                String file = entry.getFileName().toString();
                if (Files.isDirectory(entry)) {
                    long count;
                    try (Stream<Path> inner = Files.walk(entry)) {
                        count = inner.filter(Files::isRegularFile).count();
                    }
                    html.append("<li><a href=\"")
                            .append(escape(file))
                            .append("/\">")
                            .append(escape(file))
                            .append("/</a> (")
                            .append(count)
                            .append(count == 1 ? " file" : " files")
                            .append(")</li>\n");
                } else if (file.equals("run.json")) {
                    // its size changes with its timings: the report stays the same bytes run after run
                    html.append("<li><a href=\"run.json\">run.json</a> (provenance, rows and seconds per step,"
                            + " metrics in full)</li>\n");
                } else if (file.equals("timings.js")) {
                    html.append("<li><a href=\"timings.js\">timings.js</a> (seconds per step, for this page)</li>\n");
                } else if (!file.equals("report.html")) {
                    html.append("<li><a href=\"")
                            .append(escape(file))
                            .append("\">")
                            .append(escape(file))
                            .append("</a> (")
                            .append(size(Files.size(entry)))
                            .append(")</li>\n");
                }
            }
            html.append("<li><a href=\"report.html\">report.html</a> (this page)</li>\n</ul>\n");
            html.append("<h2>Images and plots</h2>\n");
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
            // the seconds, filled in from timings.js when the page is opened
            html.append("<script src=\"timings.js\"></script>\n<script>\n"
                    + "for (const td of document.querySelectorAll('#steps td[data-step]')) {\n"
                    + "  const t = (window.genpipeTimings || {})[td.dataset.step];\n"
                    + "  if (t !== undefined) td.textContent = t.toFixed(3);\n"
                    + "}\n</script>\n");
            html.append("</body></html>\n");
            Map<String, Object> seconds = new LinkedHashMap<>();
            steps.forEach(st -> seconds.put(String.valueOf(st.get("id")), st.get("seconds")));
            try {
                Files.writeString(
                        folder.resolve("timings.js"),
                        "window.genpipeTimings = " + Json.write(seconds) + ";\n",
                        StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IOException("cannot write timings.js: " + e.getMessage(), e);
            }
            try {
                Files.writeString(folder.resolve("report.html"), html.toString(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IOException("cannot write report.html: " + e.getMessage(), e);
            }
        }
    }

    /** The rows a step read: its inputs' rows (blank for a source, or one reading a route's named output). */
    static String rowsIn(Map<String, Object> step, Map<String, Long> rows) {
        if (!(step.get("inputs") instanceof List<?> inputs) || inputs.isEmpty()) {
            return "";
        }
        long in = 0;
        for (Object i : inputs) {
            Long n = rows.get(String.valueOf(i));
            if (n == null) {
                return "";
            }
            in += n;
        }
        return Long.toString(in);
    }

    /**
     * A metric that is a map: one table of its plain values (one row per key, e.g. per class), a shaded grid for a
     * map of maps (a confusion matrix: rows the true class, columns the predicted; rounds by class), and the rest,
     * nested deeper, the same way under its key.
     */
    static void metric(StringBuilder html, String name, Map<?, ?> value) {
        if (!value.isEmpty() && value.values().stream().allMatch(v -> v instanceof Map<?, ?> row && flat(row))) {
            grid(html, value);
            return;
        }
        Map<String, Object> plain = new LinkedHashMap<>();
        Map<String, Map<?, ?>> grids = new LinkedHashMap<>();
        Map<String, Map<?, ?>> deeper = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : value.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (!(e.getValue() instanceof Map<?, ?> inner)) {
                plain.put(key, e.getValue());
            } else if (inner.values().stream()
                    .allMatch(v -> v instanceof Map<?, ?> row
                            && row.values().stream().noneMatch(x -> x instanceof Map<?, ?>))) {
                grids.put(key, inner);
            } else {
                deeper.put(key, inner);
            }
        }
        if (!plain.isEmpty()) {
            boolean keyed = value.size() == plain.size();
            html.append("<table>");
            if (keyed) {
                html.append("<tr><th>")
                        .append(escape(keyName(plain.keySet())))
                        .append("</th><th>")
                        .append(escape(name))
                        .append("</th></tr>");
            }
            html.append("\n");
            plain.forEach((k, v) -> html.append("<tr><th>")
                    .append(escape(k))
                    .append("</th><td class=\"n\">")
                    .append(escape(number(v)))
                    .append("</td></tr>\n"));
            html.append("</table>\n");
        }
        for (Map.Entry<String, Map<?, ?>> e : grids.entrySet()) {
            html.append("<p>").append(escape(e.getKey())).append("</p>\n");
            grid(html, e.getValue());
        }
        for (Map.Entry<String, Map<?, ?>> e : deeper.entrySet()) {
            html.append("<p>").append(escape(e.getKey())).append("</p>\n");
            metric(html, e.getKey(), e.getValue());
        }
    }

    /** Whether no value of {@code m} is itself a map. */
    static boolean flat(Map<?, ?> m) {
        return m.values().stream().noneMatch(v -> v instanceof Map<?, ?>);
    }

    private static Object lookup(Map<?, ?> m, String key) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (String.valueOf(e.getKey()).equals(key)) {
                return e.getValue();
            }
        }
        return null;
    }

    private static String keyName(Set<String> keys) {
        return keys.stream().allMatch(k -> k.matches("-?\\d+")) ? "class" : "";
    }

    /** A map of maps as a grid, each cell shaded by its share of its row's total. */
    static void grid(StringBuilder html, Map<?, ?> rows) {
        List<String> columns = new ArrayList<>();
        for (Object row : rows.values()) {
            for (Object c : ((Map<?, ?>) row).keySet()) {
                if (!columns.contains(String.valueOf(c))) {
                    columns.add(String.valueOf(c));
                }
            }
        }
        columns.sort(ReportSink::byNumberThenText);
        html.append("<table class=\"grid\"><tr><th></th>");
        columns.forEach(c -> html.append("<th>").append(escape(c)).append("</th>"));
        html.append("</tr>\n");
        for (Map.Entry<?, ?> row : rows.entrySet()) {
            Map<?, ?> cells = (Map<?, ?>) row.getValue();
            double total = 0;
            for (Object v : cells.values()) {
                total += v instanceof Number n ? Math.abs(n.doubleValue()) : 0;
            }
            html.append("<tr><th>").append(escape(String.valueOf(row.getKey()))).append("</th>");
            for (String c : columns) {
                Object v = lookup(cells, c);
                double share = v instanceof Number n && total > 0 ? Math.abs(n.doubleValue()) / total : 0;
                int shade = (int) Math.round(255 - 155 * share); // white to a mid blue
                html.append("<td style=\"background:rgb(")
                        .append(shade)
                        .append(',')
                        .append(shade)
                        .append(",255)\">")
                        .append(v == null ? "" : escape(number(v)))
                        .append("</td>");
            }
            html.append("</tr>\n");
        }
        html.append("</table>\n");
    }

    private static int byNumberThenText(String a, String b) {
        boolean na = a.matches("-?\\d+");
        boolean nb = b.matches("-?\\d+");
        if (na && nb) {
            return Long.compare(Long.parseLong(a), Long.parseLong(b));
        }
        return na != nb ? (na ? -1 : 1) : a.compareTo(b);
    }

    /** A value for reading: doubles to 4 significant decimals, others as they are. */
    static String number(Object v) {
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d) || (d == Math.rint(d) && Math.abs(d) < 1e15)) {
                return Double.isFinite(d) ? Long.toString((long) d) : Double.toString(d);
            }
            BigDecimal rounded = new BigDecimal(d).round(new MathContext(4));
            return rounded.stripTrailingZeros().toPlainString();
        }
        return String.valueOf(v);
    }

    private static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
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
