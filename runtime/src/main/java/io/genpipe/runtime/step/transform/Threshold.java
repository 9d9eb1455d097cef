package io.genpipe.runtime.step.transform;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.RowFilter;
import io.genpipe.runtime.step.ScoreColumn;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
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
                        ParameterSpec.optional("max", ParameterType.NUMBER, null, "highest score kept"),
                        ParameterSpec.optional(
                                "score",
                                ParameterType.STRING,
                                null,
                                "test the score column this scorer step wrote (default: the row's score, the latest"
                                        + " scorer's)")),
                1,
                1,
                (p, folder) -> {
                    if (!p.has("min") && !p.has("max")) {
                        throw new GenpipeException("threshold needs min:, max: or both");
                    }
                    double min = p.has("min") ? p.getDouble("min") : Double.NEGATIVE_INFINITY;
                    double max = p.has("max") ? p.getDouble("max") : Double.POSITIVE_INFINITY;
                    ScoreColumn scores = ScoreColumn.of(p.findString("score").orElse(null), "threshold");
                    return new RowFilter(
                            () -> new RowFilter.Test() {
                                private Batch bound;
                                private double[] values;

                                @Override
                                public boolean keep(RowMeta row, StepContext context) {
                                    throw new IllegalStateException("threshold tests rows of a batch");
                                }

                                @Override
                                public boolean keep(Batch batch, int row, StepContext context) {
                                    if (batch != bound) {
                                        bound = batch;
                                        values = scores.scores(batch);
                                    }
                                    return values[row] >= min && values[row] <= max;
                                }
                            },
                            scores::check);
                });
    }
}
