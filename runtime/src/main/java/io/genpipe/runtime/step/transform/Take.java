package io.genpipe.runtime.step.transform;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.step.Aggregation;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.OrderedQuota;
import io.genpipe.runtime.step.PassThroughStep;
import io.genpipe.runtime.step.SliceDecision;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code take} built-in step: passes the first n rows on and drops the rest, or with {@code by: label} the first n
 * rows of each class (global: it depends on row order).
 */
public final class Take {

    private Take() {}

    /** The first {@code k} rows of {@code b}, copied; {@code b} is closed. */
    private static Batch slice(Batch b, int k) {
        try (b) {
            return b.slice(0, k);
        }
    }

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return base().global(Aggregation.METADATA, "the first n rows in row order");
    }

    private static BuiltinStep base() {
        return new BuiltinStep(
                "take",
                StepCategory.TRANSFORM,
                "passes the first n rows on (of each class with by: label) and drops the rest",
                List.of(
                        ParameterSpec.required("n", ParameterType.INTEGER, "rows to keep (per class with by: label)")
                                .range(0, Double.POSITIVE_INFINITY),
                        ParameterSpec.choice(
                                "by",
                                "none",
                                "none: the first n of all rows; label: the first n of each class",
                                "none",
                                "label")),
                1,
                1,
                (p, folder) -> {
                    long n = p.getLong("n");
                    if (n < 0) {
                        throw new GenpipeException("n must be >= 0, got " + n);
                    }
                    boolean byLabel = p.getString("by").equals("label");
                    SliceDecision sliced = OrderedQuota.of(
                            m -> byLabel ? String.valueOf(m.label()) : "all", context -> new OrderedQuota.Rule() {
                                @Override
                                public String bucket(String group) {
                                    return group;
                                }

                                @Override
                                public Long quota(String bucket) {
                                    return n;
                                }
                            });
                    if (byLabel) {
                        return new PassThroughStep() {
                            @Override
                            public Optional<SliceDecision> decision() {
                                return Optional.of(sliced);
                            }

                            @Override
                            public void run(List<BatchInput> inputs, BatchOutput output, StepContext context)
                                    throws Exception {
                                Map<Integer, Long> kept = new HashMap<>(); // label (null: rows without one) -> rows
                                for (Batch next = inputs.get(0).next();
                                        next != null;
                                        next = inputs.get(0).next()) {
                                    try (Batch b = next) {
                                        List<Integer> rows = new ArrayList<>();
                                        for (int r = 0; r < b.rows(); r++) {
                                            if (kept.merge(b.meta(r).label(), 1L, Long::sum) <= n) {
                                                rows.add(r);
                                            }
                                        }
                                        if (!rows.isEmpty()) {
                                            output.emit(b.select(rows));
                                        }
                                    }
                                }
                            }
                        };
                    }
                    return new PassThroughStep() {
                        @Override
                        public Optional<SliceDecision> decision() {
                            return Optional.of(sliced);
                        }

                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context)
                                throws Exception {
                            long kept = 0;
                            for (Batch b = inputs.get(0).next();
                                    b != null;
                                    b = inputs.get(0).next()) {
                                if (kept >= n) {
                                    b.close();
                                } else if (kept + b.rows() <= n) {
                                    kept += b.rows();
                                    output.emit(b);
                                } else {
                                    int k = (int) (n - kept);
                                    kept = n;
                                    output.emit(slice(b, k));
                                }
                            }
                        }
                    };
                });
    }
}
