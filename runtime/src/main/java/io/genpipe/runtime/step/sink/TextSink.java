package io.genpipe.runtime.step.sink;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.text.TextRows;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import java.io.BufferedWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The {@code text-sink} built-in step: the rows' texts, one per line.
 */
public final class TextSink {

    private TextSink() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return base().writes("file");
    }

    private static BuiltinStep base() {
        return new BuiltinStep(
                "text-sink",
                StepCategory.SINK,
                "the rows' text tags, one per line (newlines inside a text become spaces)",
                List.of(ParameterSpec.optional("file", ParameterType.STRING, null, "file name (default <step>.txt)")),
                1,
                1,
                (p, folder) -> new PartedSinkStep(p.findString("file").orElse(null), ".txt") {
                    @Override
                    long writePart(int part, BatchInput rows, OutputStream out, StepContext context) throws Exception {
                        Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
                        long n = 0;
                        for (Batch next = rows.next(); next != null; next = rows.next()) {
                            try (Batch b = next) {
                                for (RowMeta m : b.meta()) {
                                    String text = m.tags().get(TextRows.TEXT);
                                    if (text == null) {
                                        throw new GenpipeException("row " + m.id() + " has no text tag");
                                    }
                                    w.write(text.replace('\n', ' ').replace('\r', ' '));
                                    w.write('\n');
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
