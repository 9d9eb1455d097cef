package io.genpipe.runtime.step.transform;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.RowFilter;
import io.genpipe.runtime.step.StepCategory;
import java.util.List;

/**
 * The {@code sample} built-in step: keeps each row with a probability, drawn from the row's own stream (row-wise).
 */
public final class Sample {

    private Sample() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                "sample",
                StepCategory.TRANSFORM,
                "keeps each row with probability `fraction`, drawn per row id from the run's seed (same seed, same rows)",
                List.of(ParameterSpec.required("fraction", ParameterType.NUMBER, "share of rows kept, in [0, 1]")
                        .range(0, 1)),
                1,
                1,
                (p, folder) -> {
                    double fraction = p.getDouble("fraction");
                    if (fraction < 0 || fraction > 1) {
                        throw new GenpipeException("fraction must be in [0, 1], got " + fraction);
                    }
                    return new RowFilter(
                            () -> (m, context) -> context.random().fork(m.id()).nextDouble() < fraction);
                });
    }
}
