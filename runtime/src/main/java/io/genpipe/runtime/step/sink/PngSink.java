package io.genpipe.runtime.step.sink;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
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
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The {@code png-sink} built-in step: one grayscale PNG per row, named after the row id, in a sub-folder of the output.
 */
public final class PngSink {

    private PngSink() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return base().writes("folder");
    }

    private static BuiltinStep base() {
        return new BuiltinStep(
                "png-sink",
                StepCategory.SINK,
                "one grayscale PNG per row in a folder of the output, named after the row id",
                List.of(
                        ParameterSpec.optional(
                                "column", ParameterType.STRING, "image", "float32[batch,1,h,w] in [0, 1]"),
                        ParameterSpec.optional(
                                "folder", ParameterType.STRING, null, "sub-folder (default: the step id)")),
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
                        Path dir = OutputPaths.resolve(
                                context.outputFolder(), p.findString("folder").orElse(context.stepId()));
                        Files.createDirectories(dir);
                        for (Batch next = inputs.get(0).next();
                                next != null;
                                next = inputs.get(0).next()) {
                            try (Batch b = next) {
                                Tensor t = b.column(p.getString("column"));
                                int h = (int) t.shape()[2];
                                int w = (int) t.shape()[3];
                                float[] pixels = t.toFloatArray();
                                for (int r = 0; r < b.rows(); r++) {
                                    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
                                    for (int y = 0; y < h; y++) {
                                        for (int x = 0; x < w; x++) {
                                            float v = Math.min(1f, Math.max(0f, pixels[r * h * w + y * w + x]));
                                            img.getRaster().setSample(x, y, 0, Math.round(v * 255));
                                        }
                                    }
                                    String name = OutputPaths.safeName(b.meta(r).id()) + ".png";
                                    Path file = dir.resolve(name);
                                    try {
                                        ImageIO.write(img, "png", file.toFile());
                                    } catch (IOException e) {
                                        throw new GenpipeException(
                                                "cannot write "
                                                        + context.outputFolder().relativize(file) + ": "
                                                        + e.getMessage(),
                                                e);
                                    }
                                }
                            }
                        }
                    }
                });
    }
}
