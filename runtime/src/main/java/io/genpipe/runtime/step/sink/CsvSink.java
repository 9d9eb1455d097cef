package io.genpipe.runtime.step.sink;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.io.Csv;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.Numbers;
import io.genpipe.runtime.step.OutputPaths;
import io.genpipe.runtime.step.SinkStep;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code csv-sink} built-in step: a CSV file: id, label, source, score and every one-number-per-row column.
 */
public final class CsvSink {

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
                (p, folder) -> new SinkStep() {
                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        Path file = OutputPaths.resolve(
                                context.outputFolder(), p.findString("file").orElse(context.stepId() + ".csv"));
                        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                            List<String> header = null;
                            for (Batch next = inputs.get(0).next();
                                    next != null;
                                    next = inputs.get(0).next()) {
                                try (Batch b = next) {
                                    List<String> scalars = new ArrayList<>();
                                    for (String name : b.columnNames()) {
                                        if (b.column(name).shape().length == 1) {
                                            scalars.add(name);
                                        }
                                    }
                                    if (header == null) {
                                        header = scalars;
                                        w.write("id,label,source,score");
                                        for (String s : scalars) {
                                            w.write("," + Csv.quote(s));
                                        }
                                        w.write("\n");
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
                                    }
                                }
                            }
                        } catch (IOException e) {
                            throw new GenpipeException(
                                    "cannot write " + context.outputFolder().relativize(file) + ": " + e.getMessage(),
                                    e);
                        }
                    }
                });
    }
}
