package io.genpipe.runtime.step.sink;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.Columns;
import io.genpipe.runtime.step.OutputPaths;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

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
                (p, folder) -> new Step() {
                    @Override
                    public List<PortSpec> outputs(List<StepInput> inputs) {
                        Columns.require(
                                PortSpec.of(p.getString("column"), DType.FLOAT32, "batch", 1, "height", "width"),
                                inputs.get(0));
                        return List.of();
                    }

                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        // rows stream to a body file; the header (which needs the count) is written at the end
                        Path body = Files.createTempFile(context.outputFolder(), ".idx-", ".body");
                        ByteArrayOutputStream labels = new ByteArrayOutputStream();
                        int n = 0;
                        long h = 0;
                        long w = 0;
                        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(body))) {
                            for (Batch next = inputs.get(0).next();
                                    next != null;
                                    next = inputs.get(0).next()) {
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
                                    out.write(bytes);
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
                        } catch (IOException e) {
                            throw new GenpipeException(
                                    "cannot write " + p.getString("images") + ": " + e.getMessage(), e);
                        }
                        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(
                                OutputPaths.resolve(context.outputFolder(), p.getString("images")))))) {
                            out.writeInt(0x00000803);
                            out.writeInt(n);
                            out.writeInt((int) h);
                            out.writeInt((int) w);
                            Files.copy(body, out);
                        } catch (IOException e) {
                            throw new GenpipeException(
                                    "cannot write " + p.getString("images") + ": " + e.getMessage(), e);
                        } finally {
                            Files.deleteIfExists(body);
                        }
                        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(
                                OutputPaths.resolve(context.outputFolder(), p.getString("labels")))))) {
                            out.writeInt(0x00000801);
                            out.writeInt(n);
                            labels.writeTo(out);
                        } catch (IOException e) {
                            throw new GenpipeException(
                                    "cannot write " + p.getString("labels") + ": " + e.getMessage(), e);
                        }
                    }
                });
    }
}
