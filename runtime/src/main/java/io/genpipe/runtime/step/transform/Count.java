package io.genpipe.runtime.step.transform;

import io.genpipe.api.data.Batch;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.PassThroughStep;
import io.genpipe.runtime.step.StepContext;
import java.util.List;

/**
 * The {@code count} built-in step: passes rows on and records how many there were (global).
 */
public final class Count {

    private Count() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return base().global("the number of rows");
    }

    private static BuiltinStep base() {
        return new BuiltinStep(
                "count",
                "transform",
                "passes rows on and records how many in metrics.<metric>",
                List.of(ParameterSpec.required("metric", ParameterType.STRING, "metric name in run.json")),
                1,
                1,
                (p, folder) -> new PassThroughStep() {
                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        long n = 0;
                        for (Batch b = inputs.get(0).next();
                                b != null;
                                b = inputs.get(0).next()) {
                            n += b.rows();
                            output.emit(b);
                        }
                        context.metric(p.getString("metric"), null, n);
                    }
                });
    }
}
