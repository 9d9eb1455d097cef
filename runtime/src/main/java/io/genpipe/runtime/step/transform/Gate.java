package io.genpipe.runtime.step.transform;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.RowFilter;
import io.genpipe.runtime.step.ScoreColumn;
import io.genpipe.runtime.step.SideValue;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import java.util.List;
import java.util.Map;

/**
 * The {@code gate} built-in step: keeps the rows whose score is at most their class's threshold, as published by a flag-quantile step (row-wise).
 */
public final class Gate {

    private Gate() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return base().reads(new SideValue.Input("thresholds", "thresholds", SideValue.Type.NUMBER_PER_CLASS));
    }

    private static BuiltinStep base() {
        return new BuiltinStep(
                "gate",
                StepCategory.TRANSFORM,
                "keeps rows whose score is at most their class's threshold, as published by the flag-quantile step named"
                        + " in thresholds:; counts the others in metrics.<metric>",
                List.of(
                        ParameterSpec.required(
                                "thresholds",
                                ParameterType.STRING,
                                "the step whose per-class thresholds to apply (a flag-quantile step, e.g. flag)"),
                        ParameterSpec.optional(
                                "metric", ParameterType.STRING, "rejected", "metric counting rejected rows"),
                        ParameterSpec.optional(
                                "score",
                                ParameterType.STRING,
                                null,
                                "compare the score column this scorer step wrote (default: the row's score, the"
                                        + " latest scorer's)")),
                1,
                1,
                (p, folder) -> {
                    ScoreColumn column = ScoreColumn.of(p.findString("score").orElse(null), "gate");
                    return new RowFilter(
                            () -> new RowFilter.Test() {
                                Map<String, ?> thresholds;
                                long rejected;
                                Batch bound;
                                double[] scores;

                                @Override
                                public boolean keep(RowMeta m, StepContext context) {
                                    throw new IllegalStateException("gate tests rows of a batch");
                                }

                                @Override
                                @SuppressWarnings("unchecked")
                                public boolean keep(Batch batch, int row, StepContext context)
                                        throws InterruptedException {
                                    if (thresholds == null) {
                                        thresholds = (Map<String, ?>)
                                                context.side(p.getString("thresholds"), FlagQuantile.THRESHOLDS.name());
                                    }
                                    if (batch != bound) {
                                        bound = batch;
                                        scores = column.scores(batch);
                                    }
                                    RowMeta m = batch.meta(row);
                                    Object t = SideValue.perClass(thresholds, m.label());
                                    if (t == null) {
                                        throw new GenpipeException(
                                                "row " + m.id() + " has label " + m.label() + ", for which step '"
                                                        + p.getString("thresholds") + "' published no threshold");
                                    }
                                    boolean keep = scores[row] <= ((Number) t).doubleValue();
                                    rejected += keep ? 0 : 1;
                                    return keep;
                                }

                                @Override
                                public void finish(StepContext context) {
                                    context.metric(p.getString("metric"), null, rejected);
                                }
                            },
                            column::check);
                });
    }
}
