package io.genpipe.runtime.step.sink;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.image.ImageGrid;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.Columns;
import io.genpipe.runtime.step.OutputPaths;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The {@code image-grid} built-in step: a PNG grid of the first images of a column.
 */
public final class ImageGridSink {

    private ImageGridSink() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return base().writes("file");
    }

    private static BuiltinStep base() {
        return new BuiltinStep(
                "image-grid",
                StepCategory.SINK,
                "a PNG grid of the first images of a column, in the output folder",
                List.of(
                        ParameterSpec.optional(
                                "column",
                                ParameterType.STRING,
                                "image",
                                "image column, float32[batch,1,h,w] in [0, 1]"),
                        ParameterSpec.optional(
                                "file",
                                ParameterType.STRING,
                                null,
                                "file name in the output folder (default: <step>.png)"),
                        ParameterSpec.optional("columns", ParameterType.INTEGER, "10", "images per grid row")
                                .range(1, 1_000),
                        ParameterSpec.optional("limit", ParameterType.INTEGER, "100", "most images shown")
                                .range(1, 100_000),
                        ParameterSpec.optional("scale", ParameterType.INTEGER, "2", "pixel scale")
                                .range(1, 32)),
                1,
                1,
                (p, folder) -> new Step() {
                    final String column = p.getString("column");

                    @Override
                    public Optional<Set<String>> readsColumns() {
                        return Optional.of(Set.of(column));
                    }

                    @Override
                    public OptionalLong readsFirst() {
                        return OptionalLong.of(p.getInt("limit"));
                    }

                    @Override
                    public List<PortSpec> outputs(List<StepInput> inputs) {
                        Columns.require(
                                PortSpec.of(column, DType.FLOAT32, "batch", 1, "height", "width"), inputs.get(0));
                        return List.of();
                    }

                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        int limit = p.getInt("limit");
                        List<Tensor> kept = new ArrayList<>();
                        int have = 0;
                        try {
                            for (Batch b = inputs.get(0).next();
                                    b != null;
                                    b = inputs.get(0).next()) {
                                if (have < limit) {
                                    Batch part = b.rows() <= limit - have ? b : head(b, limit - have);
                                    try (part) {
                                        kept.add(part.column(column).copyToJava());
                                        have += part.rows();
                                    }
                                } else {
                                    b.close();
                                }
                            }
                            String file = p.findString("file").orElse(context.stepId() + ".png");
                            if (!kept.isEmpty()) {
                                // one tensor, so the cells run on across batch boundaries
                                long[] shape = kept.get(0).shape();
                                int cell = (int) (shape[1] * shape[2] * shape[3]);
                                float[] all = new float[have * cell];
                                int at = 0;
                                for (Tensor t : kept) {
                                    float[] part = t.toFloatArray();
                                    System.arraycopy(part, 0, all, at, part.length);
                                    at += part.length;
                                }
                                shape[0] = have;
                                try (BufferTensor grid = BufferTensor.ofFloats(all, shape)) {
                                    ImageGrid.write(
                                            List.of(grid),
                                            p.getInt("columns"),
                                            p.getInt("scale"),
                                            OutputPaths.resolve(context.outputFolder(), file));
                                }
                            }
                        } finally {
                            kept.forEach(Tensor::close);
                        }
                    }
                });
    }

    /** The first {@code k} rows of {@code b}, copied; {@code b} is closed. */
    private static Batch head(Batch b, int k) {
        try (b) {
            return b.slice(0, k);
        }
    }
}
