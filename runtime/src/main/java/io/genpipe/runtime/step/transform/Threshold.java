package io.genpipe.runtime.step.transform;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.RowFilter;
import io.genpipe.runtime.step.StepCategory;
import java.util.List;

/**
 * The {@code threshold} built-in step: keeps the rows whose score lies between a minimum and a maximum (row-wise).
 */
public final class Threshold {

    private Threshold() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                "threshold",
                StepCategory.TRANSFORM,
                "keeps rows whose score is at most `max` and at least `min`",
                List.of(
                        ParameterSpec.optional("min", ParameterType.NUMBER, null, "lowest score kept"),
                        ParameterSpec.optional("max", ParameterType.NUMBER, null, "highest score kept")),
                1,
                1,
                (p, folder) -> {
                    if (!p.has("min") && !p.has("max")) {
                        throw new GenpipeException("threshold needs min:, max: or both");
                    }
                    double min = p.has("min") ? p.getDouble("min") : Double.NEGATIVE_INFINITY;
                    double max = p.has("max") ? p.getDouble("max") : Double.POSITIVE_INFINITY;
                    return new RowFilter(() -> (m, context) -> {
                        if (m.score() == null) {
                            throw new GenpipeException(
                                    "row " + m.id() + " has no score; put a scorer step before threshold");
                        }
                        return m.score() >= min && m.score() <= max;
                    });
                });
    }
}
