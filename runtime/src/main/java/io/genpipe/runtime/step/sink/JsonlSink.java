package io.genpipe.runtime.step.sink;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.io.Json;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.Numbers;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import java.io.BufferedWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code jsonl-sink} built-in step: one JSON line per row: id, label, source, score, the row's tags and every one-number-per-row column.
 */
public final class JsonlSink {

    private JsonlSink() {}

    private static final Set<String> JSONL_FIXED = Set.of("id", "label", "source", "score");

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return base().writes("file");
    }

    private static BuiltinStep base() {
        return new BuiltinStep(
                "jsonl-sink",
                StepCategory.SINK,
                "one JSON line per row: id, label, source, score, the row's tags (e.g. text) and every one-number-per-row column",
                List.of(ParameterSpec.optional(
                        "file", ParameterType.STRING, null, "file name in the output folder (default: <step>.jsonl)")),
                1,
                1,
                (p, folder) -> new PartedSinkStep(p.findString("file").orElse(null), ".jsonl") {
                    @Override
                    long writePart(int part, BatchInput rows, OutputStream out, StepContext context) throws Exception {
                        Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
                        long n = 0;
                        for (Batch next = rows.next(); next != null; next = rows.next()) {
                            try (Batch b = next) {
                                Map<String, double[]> scalars = new LinkedHashMap<>();
                                Set<String> whole = new HashSet<>();
                                for (String name : b.columnNames()) {
                                    Tensor t = b.column(name);
                                    if (t.shape().length == 1) {
                                        scalars.put(name, Numbers.doubles(t));
                                        if (t.dtype() != DType.FLOAT32 && t.dtype() != DType.FLOAT64) {
                                            whole.add(name);
                                        }
                                    }
                                }
                                for (int r = 0; r < b.rows(); r++) {
                                    RowMeta m = b.meta(r);
                                    StringBuilder line = new StringBuilder("{\"id\":").append(Json.quote(m.id()));
                                    if (m.label() != null) {
                                        line.append(",\"label\":").append(m.label());
                                    }
                                    if (m.source() != null) {
                                        line.append(",\"source\":").append(Json.quote(m.source()));
                                    }
                                    if (m.score() != null) {
                                        line.append(",\"score\":").append(Json.number(m.score()));
                                    }
                                    for (String tag : new TreeSet<>(m.tags().keySet())) {
                                        if (!JSONL_FIXED.contains(tag) && !scalars.containsKey(tag)) {
                                            line.append(',')
                                                    .append(Json.quote(tag))
                                                    .append(':')
                                                    .append(Json.quote(m.tags().get(tag)));
                                        }
                                    }
                                    for (Map.Entry<String, double[]> e : scalars.entrySet()) {
                                        double v = e.getValue()[r];
                                        line.append(',')
                                                .append(Json.quote(e.getKey()))
                                                .append(':')
                                                .append(
                                                        whole.contains(e.getKey())
                                                                ? Long.toString((long) v)
                                                                : Json.number(v));
                                    }
                                    w.write(line.append('}').append('\n').toString());
                                    n++;
                                }
                            }
                        }
                        w.flush();
                        return n;
                    }
                });
    }
}
