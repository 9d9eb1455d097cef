package io.genpipe.runtime.pipeline.validate;

import io.genpipe.runtime.component.DidYouMean;
import io.genpipe.runtime.step.StepRef;
import java.util.HashSet;
import java.util.List;

/** Checks each step's {@code inputs:}: no step named twice, every one a step of the file, as many as it takes. */
final class InputsPass {

    private InputsPass() {}

    static void apply(StepTable table) {
        for (StepTable.Row row : table.rows()) {
            if (!row.resolved()) {
                continue;
            }
            List<String> inputs = row.definition.inputs();
            int before = table.problems().size();
            if (new HashSet<>(inputs).size() < inputs.size()) {
                table.problem(
                        row,
                        row.definition.location(),
                        "inputs " + inputs + " name a step twice; each input is a different step (to read one"
                                + " step's rows twice, pass them through a step of their own first)");
            }
            for (String input : inputs) {
                String producer = StepRef.parse(input).step();
                if (!table.has(producer)) {
                    table.problem(
                            row,
                            row.definition.location(),
                            "input '" + input + "' is not a step of this pipeline"
                                    + DidYouMean.hint(producer, table.ids()) + " (steps: "
                                    + String.join(", ", table.ids())
                                    + ")");
                }
            }
            if (inputs.size() < row.minInputs || inputs.size() > row.maxInputs) {
                String what = row.builtin != null
                        ? "built-in step '" + row.definition.use() + "'"
                        : row.component.factory().role().label() + " '" + row.definition.use() + "'";
                table.problem(
                        row,
                        row.definition.location(),
                        what + " takes " + arity(row.minInputs, row.maxInputs) + ", got " + inputs.size()
                                + (inputs.isEmpty() ? "" : " " + inputs));
            }
            row.connected = table.problems().size() == before;
        }
    }

    private static String arity(int min, int max) {
        if (min == max) {
            return min == 0 ? "no inputs" : min == 1 ? "one input" : min + " inputs";
        }
        return min + " to " + max + " inputs";
    }
}
