package io.genpipe.runtime.step.transform;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.builtin.Walks;
import io.genpipe.runtime.step.Aggregation;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.Columns;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code interpolate} built-in step: walks between the vectors of consecutive pairs of rows, by lerp or slerp (global: it pairs neighbours).
 */
public final class Interpolate {

    private Interpolate() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return base().global(
                        Aggregation.ROWS, "walks between consecutive pairs of rows (1st with 2nd, 3rd with 4th, ...)");
    }

    private static BuiltinStep base() {
        return new BuiltinStep(
                "interpolate",
                StepCategory.TRANSFORM,
                "pairs consecutive rows (1st with 2nd, 3rd with 4th, ...) and emits `steps` rows walking from one's vector"
                        + " to the other's, by lerp or slerp; only that column goes on",
                List.of(
                        ParameterSpec.required(
                                "column", ParameterType.STRING, "float32[batch,d] column to walk in, e.g. mu"),
                        ParameterSpec.optional("steps", ParameterType.INTEGER, "8", "rows per pair, both ends included")
                                .range(2, 10_000),
                        ParameterSpec.choice("mode", "slerp", "interpolation", "lerp", "slerp")),
                1,
                1,
                (p, folder) -> {
                    String column = p.getString("column");
                    int steps = p.getInt("steps");
                    if (steps < 2) {
                        throw new GenpipeException("steps must be >= 2 (both ends of the walk), got " + steps);
                    }
                    boolean slerp = p.getString("mode").equals("slerp");
                    return new Step() {
                        @Override
                        public List<PortSpec> outputs(List<StepInput> inputs) {
                            for (PortSpec port : inputs.get(0).columns()) {
                                if (port.name().equals(column)) {
                                    Columns.require(
                                            PortSpec.of(
                                                    column,
                                                    DType.FLOAT32,
                                                    "batch",
                                                    port.rank() == 2
                                                            ? port.shape().get(1)
                                                            : "d"),
                                            inputs.get(0));
                                    return List.of(port);
                                }
                            }
                            Columns.require(PortSpec.of(column, DType.FLOAT32, "batch", "d"), inputs.get(0));
                            return List.of();
                        }

                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context)
                                throws Exception {
                            float[] pending = null;
                            RowMeta pendingMeta = null;
                            for (Batch next = inputs.get(0).next();
                                    next != null;
                                    next = inputs.get(0).next()) {
                                try (Batch b = next) {
                                    Tensor t = b.column(column);
                                    int d = (int) t.shape()[1];
                                    float[] all = t.toFloatArray();
                                    List<float[]> rows = new ArrayList<>();
                                    List<RowMeta> meta = new ArrayList<>();
                                    for (int r = 0; r < b.rows(); r++) {
                                        float[] v = Arrays.copyOfRange(all, r * d, (r + 1) * d);
                                        if (pending == null) {
                                            pending = v;
                                            pendingMeta = b.meta(r);
                                            continue;
                                        }
                                        for (int k = 0; k < steps; k++) {
                                            rows.add(Walks.interpolate(pending, v, (double) k / (steps - 1), slerp));
                                            meta.add(RowMeta.of(pendingMeta.id() + "~"
                                                            + b.meta(r).id() + "-" + k)
                                                    .withSource(context.stepId()));
                                        }
                                        pending = null;
                                    }
                                    if (!rows.isEmpty()) {
                                        float[] out = new float[rows.size() * d];
                                        for (int i = 0; i < rows.size(); i++) {
                                            System.arraycopy(rows.get(i), 0, out, i * d, d);
                                        }
                                        output.emit(Batch.builder(rows.size())
                                                .meta(meta)
                                                .column(column, BufferTensor.ofFloats(out, rows.size(), d))
                                                .build());
                                    }
                                }
                            }
                        }
                    };
                });
    }
}
