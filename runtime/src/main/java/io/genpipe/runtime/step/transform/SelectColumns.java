package io.genpipe.runtime.step.transform;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code select-columns} built-in step: keeps only the listed columns; row metadata stays (row-wise).
 */
public final class SelectColumns {

    private SelectColumns() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                "select-columns",
                StepCategory.TRANSFORM,
                "keeps only the listed columns (row metadata stays)",
                List.of(ParameterSpec.required("columns", ParameterType.STRING_LIST, "columns to keep")),
                1,
                1,
                (p, folder) -> {
                    List<String> keep = p.getStringList("columns");
                    return new Step() {
                        @Override
                        public List<PortSpec> outputs(List<StepInput> inputs) {
                            List<PortSpec> out = new ArrayList<>();
                            for (String c : keep) {
                                PortSpec found = inputs.get(0).columns().stream()
                                        .filter(x -> x.name().equals(c))
                                        .findFirst()
                                        .orElseThrow(() -> new GenpipeException("needs column '" + c
                                                + "' but its input '"
                                                + inputs.get(0).step() + "' provides "
                                                + inputs.get(0).columns()));
                                out.add(found);
                            }
                            return out;
                        }

                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context)
                                throws Exception {
                            for (Batch b = inputs.get(0).next();
                                    b != null;
                                    b = inputs.get(0).next()) {
                                Batch.Builder out = Batch.builder(b.rows()).meta(b.meta());
                                Batch.Builder all = b.extend();
                                Batch owned = all.build();
                                for (String c : keep) {
                                    out.column(c, owned.column(c));
                                }
                                // the kept columns now belong to `out`; close the others
                                for (String name : owned.columnNames()) {
                                    if (!keep.contains(name)) {
                                        owned.column(name).close();
                                    }
                                }
                                output.emit(out.build());
                            }
                        }
                    };
                });
    }
}
