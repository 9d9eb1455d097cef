package io.genpipe.runtime.step.transform;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.PassThroughStep;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code repeat} built-in step: each row a number of times in a row, ids suffixed #1, #2, ... (row-wise).
 */
public final class Repeat {

    private Repeat() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                "repeat",
                StepCategory.TRANSFORM,
                "each row `times` times in a row (ids get #1, #2, ...): e.g. to"
                        + " generate more candidates than needed before a gate",
                List.of(ParameterSpec.required("times", ParameterType.INTEGER, "copies of each row")
                        .range(1, 10_000)),
                1,
                1,
                (p, folder) -> {
                    int times = p.getInt("times");
                    if (times < 1) {
                        throw new GenpipeException("times must be >= 1, got " + times);
                    }
                    return new PassThroughStep() {
                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context)
                                throws Exception {
                            // emitted in batches of at most the pipeline's batch size: times x a batch in one
                            // piece would multiply what the steps downstream hold
                            int most = Math.max(1, context.batchSize());
                            for (Batch next = inputs.get(0).next();
                                    next != null;
                                    next = inputs.get(0).next()) {
                                try (Batch b = next) {
                                    List<RowMeta> meta = new ArrayList<>();
                                    List<Integer> rows = new ArrayList<>();
                                    for (int r = 0; r < b.rows(); r++) {
                                        for (int k = 1; k <= times; k++) {
                                            RowMeta m = b.meta(r);
                                            meta.add(new RowMeta(
                                                    m.id() + "#" + k, m.label(), m.source(), m.score(), m.tags()));
                                            rows.add(r);
                                            if (rows.size() == most) {
                                                emit(b, rows, meta, output);
                                            }
                                        }
                                    }
                                    if (!rows.isEmpty()) {
                                        emit(b, rows, meta, output);
                                    }
                                }
                            }
                        }
                    };
                });
    }

    /** The rows picked so far as one batch, downstream; the lists are emptied for the next. */
    private static void emit(Batch b, List<Integer> rows, List<RowMeta> meta, BatchOutput output)
            throws InterruptedException {
        Batch picked = b.select(rows).extend().meta(new ArrayList<>(meta)).build();
        rows.clear();
        meta.clear();
        output.emit(picked);
    }
}
