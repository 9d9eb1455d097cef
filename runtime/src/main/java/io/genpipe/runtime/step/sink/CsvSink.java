package io.genpipe.runtime.step.sink;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.io.Csv;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.Numbers;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code csv-sink} built-in step: a CSV file: id, label, source, score and every one-number-per-row column (a
 * column whose name is one of those four is headed {@code scores.NAME}, or {@code column.NAME} when it is not a
 * float64 score); with no rows, the header alone.
 */
public final class CsvSink {

    /** The row metadata every line starts with. */
    private static final List<String> META = List.of("id", "label", "source", "score");

    private CsvSink() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return base().writes("file");
    }

    private static BuiltinStep base() {
        return new BuiltinStep(
                "csv-sink",
                StepCategory.SINK,
                "a CSV with a header: id, label, source, score and every one-number-per-row column",
                List.of(ParameterSpec.optional("file", ParameterType.STRING, null, "file name (default <step>.csv)")),
                1,
                1,
                (p, folder) -> new PartedSinkStep(p.findString("file").orElse(null), ".csv") {
                    // the scalar columns and their types, as validation found them (the header of an empty file)
                    private volatile Map<String, DType> declared = Map.of();

                    @Override
                    protected void inputColumns(List<PortSpec> columns) {
                        Map<String, DType> scalars = new LinkedHashMap<>();
                        for (PortSpec c : columns) {
                            if (c.rank() == 1) {
                                scalars.put(c.name(), c.dtype());
                            }
                        }
                        declared = scalars;
                    }

                    private void header(Writer w, List<String> scalars, Batch b) throws IOException {
                        w.write("id,label,source,score");
                        for (String s : scalars) {
                            String name = s;
                            if (META.contains(s)) {
                                DType type = b == null
                                        ? declared.get(s)
                                        : b.column(s).dtype();
                                name = (type == DType.FLOAT64 ? "scores." : "column.") + s;
                            }
                            w.write("," + Csv.quote(name));
                        }
                        w.write("\n");
                    }

                    @Override
                    long writePart(int part, BatchInput rows, OutputStream out, StepContext context) throws Exception {
                        Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
                        long n = 0;
                        {
                            List<String> header = null;
                            for (Batch next = rows.next(); next != null; next = rows.next()) {
                                try (Batch b = next) {
                                    List<String> scalars = new ArrayList<>();
                                    for (String name : b.columnNames()) {
                                        if (b.column(name).shape().length == 1) {
                                            scalars.add(name);
                                        }
                                    }
                                    if (header == null) {
                                        header = scalars;
                                        if (part == 0) {
                                            header(w, scalars, b);
                                        }
                                    }
                                    List<double[]> values = new ArrayList<>();
                                    for (String s : header) {
                                        values.add(Numbers.doubles(b.column(s)));
                                    }
                                    for (int r = 0; r < b.rows(); r++) {
                                        RowMeta m = b.meta(r);
                                        StringBuilder line = new StringBuilder(Csv.quote(m.id()))
                                                .append(',')
                                                .append(m.label() == null ? "" : m.label())
                                                .append(',')
                                                .append(m.source() == null ? "" : Csv.quote(m.source()))
                                                .append(',')
                                                .append(m.score() == null ? "" : m.score());
                                        for (double[] v : values) {
                                            line.append(',').append(v[r]);
                                        }
                                        w.write(line.append('\n').toString());
                                        n++;
                                    }
                                }
                            }
                            if (header == null && part == 0) {
                                header(w, List.copyOf(declared.keySet()), null); // no rows: the header alone
                            }
                        }
                        w.flush();
                        return n;
                    }
                });
    }
}
