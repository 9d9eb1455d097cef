package io.genpipe.runtime.pipeline.validate;

import io.genpipe.runtime.component.DidYouMean;
import io.genpipe.runtime.step.StepRef;
import java.util.List;

/**
 * Checks each input against what its step sends: a step with named outputs (a route) is read as {@code
 * step.output}, one of the outputs it has; a step with one output is read by its id alone.
 */
final class OutputRefsPass {

    private OutputRefsPass() {}

    static void apply(StepTable table) {
        for (StepTable.Row row : table.rows()) {
            for (String input : row.definition.inputs()) {
                StepRef ref = StepRef.parse(input);
                StepTable.Row producer = table.row(ref.step());
                if (producer == null || producer.step == null) {
                    continue; // reported already: no such step, or it could not be built
                }
                List<String> outputs = producer.step.outputNames();
                String use = producer.definition.use();
                if (ref.output() == null && !outputs.isEmpty()) {
                    fail(
                            table,
                            row,
                            "input '" + input + "': step '" + ref.step() + "' (" + use + ") sends rows to"
                                    + " named outputs; read one of them: "
                                    + String.join(
                                            ", ",
                                            outputs.stream()
                                                    .map(o -> ref.step() + "." + o)
                                                    .toList()));
                } else if (ref.output() != null && outputs.isEmpty()) {
                    fail(
                            table,
                            row,
                            "input '" + input + "': step '" + ref.step() + "' (" + use + ") has one output;"
                                    + " read it as '" + ref.step() + "'");
                } else if (ref.output() != null && !outputs.contains(ref.output())) {
                    fail(
                            table,
                            row,
                            "input '" + input + "': step '" + ref.step() + "' has no output '" + ref.output()
                                    + "'" + DidYouMean.hint(ref.output(), outputs) + " (its outputs: "
                                    + String.join(", ", outputs)
                                    + ")");
                }
            }
        }
    }

    private static void fail(StepTable table, StepTable.Row row, String message) {
        table.problem(row, row.definition.location(), message);
        row.connected = false;
    }
}
