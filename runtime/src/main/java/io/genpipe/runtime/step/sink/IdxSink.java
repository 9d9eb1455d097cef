package io.genpipe.runtime.step.sink;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.runtime.io.IdxFile;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.Columns;
import io.genpipe.runtime.step.OutputPaths;
import io.genpipe.runtime.step.PartedSink;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code idx-sink} built-in step: the image column as IDX uint8 [n,h,w] and the labels as IDX uint8 [n], gzipped.
 */
public final class IdxSink {

    private IdxSink() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return base().writes("images", "labels");
    }

    private static BuiltinStep base() {
        return new BuiltinStep(
                "idx-sink",
                StepCategory.SINK,
                "writes an image column as IDX uint8 [n,h,w] (pixels x 255, rounded) and the labels as IDX uint8 [n], gzipped",
                List.of(
                        ParameterSpec.optional(
                                "column", ParameterType.STRING, "image", "float32[batch,1,h,w] in [0, 1]"),
                        ParameterSpec.optional(
                                "images", ParameterType.STRING, "images-idx3-ubyte.gz", "file name for the images"),
                        ParameterSpec.optional(
                                "labels", ParameterType.STRING, "labels-idx1-ubyte.gz", "file name for the labels")),
                1,
                1,
                (p, folder) -> new Writer(p));
    }

    /** The sink: two gzipped IDX files, written whole here or in parts where the rows are. */
    private static final class Writer implements Step, PartedSink {
        private final Parameters p;

        Writer(Parameters p) {
            this.p = p;
        }

        @Override
        public List<PortSpec> outputs(List<StepInput> inputs) {
            Columns.require(
                    PortSpec.of(p.getString("column"), DType.FLOAT32, "batch", 1, "height", "width"), inputs.get(0));
            return List.of();
        }

        @Override
        public Optional<Set<String>> readsColumns() {
            return Optional.of(Set.of(p.getString("column")));
        }

        @Override
        public Optional<PartedSink> parts() {
            return Optional.of(this);
        }

        @Override
        public List<String> files(String stepId) {
            return List.of(p.getString("images"), p.getString("labels"));
        }

        @Override
        public Joining joining() {
            return Joining.IDX;
        }

        @Override
        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
            Path images = OutputPaths.resolve(context.outputFolder(), p.getString("images"));
            Path labels = OutputPaths.resolve(context.outputFolder(), p.getString("labels"));
            try (OutputStream i = Files.newOutputStream(images);
                    OutputStream l = Files.newOutputStream(labels)) {
                writePart(0, inputs.get(0), List.of(i, l), context);
            } catch (IOException e) {
                throw new GenpipeException("cannot write " + p.getString("images") + ": " + e.getMessage(), e);
            }
        }

        /** Both files of these rows: each body streamed to a temporary file, then written behind its header. */
        @Override
        public long writePart(int part, BatchInput rows, List<OutputStream> outs, StepContext context)
                throws Exception {
            Path imageBody = Files.createTempFile(context.outputFolder(), ".idx-", ".images");
            Path labelBody = Files.createTempFile(context.outputFolder(), ".idx-", ".labels");
            try {
                long n = 0;
                long h = 0;
                long w = 0;
                try (OutputStream images = new BufferedOutputStream(Files.newOutputStream(imageBody), 1 << 16);
                        OutputStream labels = new BufferedOutputStream(Files.newOutputStream(labelBody))) {
                    for (Batch next = rows.next(); next != null; next = rows.next()) {
                        try (Batch b = next) {
                            Tensor t = b.column(p.getString("column"));
                            long[] shape = t.shape();
                            h = shape[2];
                            w = shape[3];
                            float[] pixels = t.toFloatArray();
                            byte[] bytes = new byte[pixels.length];
                            for (int i = 0; i < pixels.length; i++) {
                                bytes[i] = (byte) Math.round(Math.min(1f, Math.max(0f, pixels[i])) * 255);
                            }
                            images.write(bytes);
                            for (RowMeta m : b.meta()) {
                                if (m.label() == null || m.label() < 0 || m.label() > 255) {
                                    throw new GenpipeException("row " + m.id() + " has "
                                            + (m.label() == null ? "no label" : "label " + m.label())
                                            + "; IDX labels are 0-255");
                                }
                                labels.write(m.label());
                            }
                            n += b.rows();
                        }
                    }
                }
                IdxFile.writeGzipped(outs.get(0), IdxFile.IMAGES, n, new long[] {h, w}, imageBody);
                IdxFile.writeGzipped(outs.get(1), IdxFile.LABELS, n, new long[0], labelBody);
                return n;
            } finally {
                Files.deleteIfExists(imageBody);
                Files.deleteIfExists(labelBody);
            }
        }
    }
}
