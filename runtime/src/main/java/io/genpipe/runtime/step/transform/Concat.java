package io.genpipe.runtime.step.transform;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.PortSpec;
import io.genpipe.runtime.step.Aggregation;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.Columns;
import io.genpipe.runtime.step.SliceDecision;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.util.List;
import java.util.Optional;

/**
 * The {@code concat} built-in step: all rows of its first input in their order, then the second's, and so on (global: it fixes the order).
 */
public final class Concat {

    private Concat() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return base().global(Aggregation.METADATA, "the order of rows: all of the first input, then the second's, ...");
    }

    private static BuiltinStep base() {
        return new BuiltinStep(
                "concat",
                StepCategory.TRANSFORM,
                "all rows of its first input in their order, then the second's, and so on; the inputs must carry the same columns (dtype and shape)",
                List.of(),
                2,
                8,
                (p, folder) -> new Step() {
                    @Override
                    public List<PortSpec> outputs(List<StepInput> inputs) {
                        List<PortSpec> first = inputs.get(0).columns();
                        for (int i = 1; i < inputs.size(); i++) {
                            for (PortSpec port : first) {
                                Columns.require(port, inputs.get(i));
                            }
                            if (inputs.get(i).columns().size() != first.size()) {
                                throw new GenpipeException("inputs carry different columns: " + first + " and "
                                        + inputs.get(i).columns());
                            }
                        }
                        return first;
                    }

                    @Override
                    public Optional<SliceDecision> decision() {
                        return Optional.of(() -> null); // the order alone: every slice of every input, unchanged
                    }

                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        // all rows of the first input in their order, then the second's, ...: the runner
                        // buffers the inputs not read yet, so the order never depends on thread timing
                        for (BatchInput in : inputs) {
                            for (Batch b = in.next(); b != null; b = in.next()) {
                                output.emit(b);
                            }
                        }
                    }
                });
    }
}
