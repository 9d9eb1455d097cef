package io.genpipe.runtime.step.sink;

import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.OutputPaths;
import io.genpipe.runtime.step.PartedSink;
import io.genpipe.runtime.step.SinkStep;
import io.genpipe.runtime.step.StepContext;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A sink whose file is its rows' bytes in order: written whole here, or in parts where the rows are. */
abstract class PartedSinkStep extends SinkStep implements PartedSink {

    private final String file;
    private final String extension;

    /**
     * @param file the file parameter, or null for {@code <step><extension>}
     */
    PartedSinkStep(String file, String extension) {
        this.file = file;
        this.extension = extension;
    }

    /** The file the sink writes, relative to the output folder. */
    String file(String stepId) {
        return file != null ? file : stepId + extension;
    }

    @Override
    public List<String> files(String stepId) {
        return List.of(file(stepId));
    }

    /**
     * Writes part {@code part} of the file: its rows' bytes, as the whole file holds them; part 0 begins with what
     * the file begins with (a CSV header), even when it has no rows.
     *
     * @return how many rows it wrote
     */
    abstract long writePart(int part, BatchInput rows, OutputStream out, StepContext context) throws Exception;

    @Override
    public long writePart(int part, BatchInput rows, List<OutputStream> outs, StepContext context) throws Exception {
        return writePart(part, rows, outs.get(0), context);
    }

    @Override
    public Optional<PartedSink> parts() {
        return Optional.of(this);
    }

    @Override
    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
        Path path = OutputPaths.resolve(context.outputFolder(), file(context.stepId()));
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 16)) {
            writePart(0, inputs.get(0), out, context);
        } catch (IOException e) {
            throw new GenpipeException(
                    "cannot write " + context.outputFolder().relativize(path) + ": " + e.getMessage(), e);
        }
    }
}
