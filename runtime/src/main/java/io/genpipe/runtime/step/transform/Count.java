package io.genpipe.runtime.step.transform;

import io.genpipe.api.data.Batch;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.step.Aggregation;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.PassThroughStep;
import io.genpipe.runtime.step.RowCombine;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code count} built-in step: passes rows on and records how many there were (global: a combine that adds
 * up row counts, so a distributed runner counts where the rows are).
 */
public final class Count {

    private Count() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                        "count",
                        StepCategory.TRANSFORM,
                        "passes rows on and records how many in metrics.<metric>",
                        List.of(ParameterSpec.required("metric", ParameterType.STRING, "metric name in run.json")),
                        1,
                        1,
                        (p, folder) -> new CountStep(p.getString("metric")))
                .global(Aggregation.COMBINE, "the number of rows");
    }

    /** Counts rows into one metric. */
    static final class CountStep extends PassThroughStep {
        private final RowsCounted combine;

        CountStep(String metric) {
            this.combine = new RowsCounted(metric);
        }

        @Override
        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
            RowCombine.runLocally(combine, inputs.get(0), output, context);
        }

        @Override
        public Optional<Set<String>> readsColumns() {
            return Optional.of(Set.of());
        }

        @Override
        public Optional<RowCombine<?>> combine() {
            return Optional.of(combine);
        }
    }

    /** The combine: a running count, summed, recorded as {@code metrics.<metric>}. */
    record RowsCounted(String metric) implements RowCombine<long[]> {
        private static final long serialVersionUID = 1L;

        @Override
        public long[] create() {
            return new long[1];
        }

        @Override
        public long[] add(long[] accumulator, Batch rows) {
            accumulator[0] += rows.rows();
            return accumulator;
        }

        @Override
        public long[] merge(long[] a, long[] b) {
            a[0] += b[0];
            return a;
        }

        @Override
        public void extract(long[] accumulator, StepContext context) {
            context.metric(metric, null, accumulator[0]);
        }
    }
}
