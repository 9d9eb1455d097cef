package io.genpipe.runtime.step.sink;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.text.TextRows;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.OutputPaths;
import io.genpipe.runtime.step.SinkStep;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
                (p, folder) -> new SinkStep() {
                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        Path file = OutputPaths.resolve(
                                context.outputFolder(), p.findString("file").orElse(context.stepId() + ".txt"));
                        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                            for (Batch next = inputs.get(0).next();
                                    next != null;
                                    next = inputs.get(0).next()) {
                                try (Batch b = next) {
                                    for (RowMeta m : b.meta()) {
                                        String text = m.tags().get(TextRows.TEXT);
                                        if (text == null) {
                                            throw new GenpipeException("row " + m.id() + " has no text tag");
                                        }
                                        w.write(text.replace('\n', ' ').replace('\r', ' '));
                                        w.write('\n');
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
