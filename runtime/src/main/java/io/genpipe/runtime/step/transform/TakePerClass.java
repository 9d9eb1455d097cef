package io.genpipe.runtime.step.transform;

import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.step.Aggregation;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.OrderedQuota;
import io.genpipe.runtime.step.RowFilter;
import io.genpipe.runtime.step.SideValue;
import io.genpipe.runtime.step.SliceDecision;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code take-per-class} built-in step: passes the first rows of each class, as many as a flag-quantile step flagged (global).
 */
public final class TakePerClass {

    private TakePerClass() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return base().global(Aggregation.METADATA, "the first rows of each class, in row order, up to its count")
                .reads(new SideValue.Input("counts", "counts", SideValue.Type.COUNT_PER_CLASS));
    }

    private static BuiltinStep base() {
        return new BuiltinStep(
                "take-per-class",
                StepCategory.TRANSFORM,
                "passes on the first rows of each class, as many as the flag-quantile step named in counts: flagged"
                        + " (e.g. refill exactly what was flagged)",
                List.of(ParameterSpec.required(
                        "counts",
                        ParameterType.STRING,
                        "the step whose per-class counts to take (a flag-quantile step, e.g. flag)")),
                1,
                1,
                (p, folder) -> new RowFilter(() -> new RowFilter.Test() {
                            final Map<String, Long> taken = new HashMap<>();
                            Map<String, ?> counts;

                            @Override
                            @SuppressWarnings("unchecked")
                            public boolean keep(RowMeta m, StepContext context) throws InterruptedException {
                                if (counts == null) {
                                    counts = (Map<String, ?>)
                                            context.side(p.getString("counts"), FlagQuantile.COUNTS.name());
                                }
                                // counted under the key whose count applies: the row's class, or "all" (by: none)
                                String key = m.label() != null && counts.containsKey(Integer.toString(m.label()))
                                        ? Integer.toString(m.label())
                                        : "all";
                                Object limit = counts.get(key);
                                long have = taken.getOrDefault(key, 0L);
                                if (limit != null && have < ((Number) limit).longValue()) {
                                    taken.put(key, have + 1);
                                    return true;
                                }
                                return false;
                            }
                        })
                        .decidedBy(decision(p.getString("counts"))));
    }

    /** The same quotas over slices of the rows: a row counts under its class when the counts name it, else "all". */
    private static SliceDecision decision(String producer) {
        return OrderedQuota.of(m -> m.label() == null ? "" : Integer.toString(m.label()), context -> {
            @SuppressWarnings("unchecked")
            Map<String, ?> counts = (Map<String, ?>) context.side(producer, FlagQuantile.COUNTS.name());
            return new OrderedQuota.Rule() {
                @Override
                public String bucket(String group) {
                    return counts.containsKey(group) ? group : "all";
                }

                @Override
                public Long quota(String bucket) {
                    Object limit = counts.get(bucket);
                    return limit == null ? null : ((Number) limit).longValue();
                }
            };
        });
    }
}
