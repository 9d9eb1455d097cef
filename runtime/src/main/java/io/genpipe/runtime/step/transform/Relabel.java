package io.genpipe.runtime.step.transform;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.step.Aggregation;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.PassThroughStep;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code relabel} built-in step: sets each row's label to a fixed class or cycles through classes (global: cycle: goes by row position).
 */
public final class Relabel {

    private Relabel() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return base().global(Aggregation.METADATA, "labels by row position: cycle: counts the rows in order");
    }

    private static BuiltinStep base() {
        return new BuiltinStep(
                "relabel",
                StepCategory.TRANSFORM,
                "sets each row's label: to a fixed class (to: c) or cycling through classes (cycle: k gives 0, 1, ..., k-1, 0, ...)",
                List.of(
                        ParameterSpec.optional("to", ParameterType.INTEGER, null, "the label every row gets")
                                .range(0, Integer.MAX_VALUE),
                        ParameterSpec.optional(
                                        "cycle", ParameterType.INTEGER, null, "labels 0..cycle-1 in turn, row by row")
                                .range(1, 1_000_000)),
                1,
                1,
                (p, folder) -> {
                    if (p.has("to") == p.has("cycle")) {
                        throw new GenpipeException(
                                "relabel needs exactly one of to: (a fixed label) or cycle: (a number of classes)");
                    }
                    long cycle = p.has("cycle") ? p.getLong("cycle") : 0;
                    if (p.has("cycle") && cycle < 1) {
                        throw new GenpipeException("cycle must be >= 1, got " + cycle);
                    }
                    return new PassThroughStep() {
                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context)
                                throws Exception {
                            long row = 0;
                            for (Batch b = inputs.get(0).next();
                                    b != null;
                                    b = inputs.get(0).next()) {
                                List<RowMeta> meta = new ArrayList<>(b.rows());
                                for (int r = 0; r < b.rows(); r++, row++) {
                                    int label = p.has("to") ? p.getInt("to") : (int) (row % cycle);
                                    meta.add(b.meta(r).withLabel(label));
                                }
                                output.emit(b.extend().meta(meta).build());
                            }
                        }
                    };
                });
    }
}
