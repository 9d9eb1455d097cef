package io.genpipe.runtime.pipeline.validate;

import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.component.ParameterException;
import io.genpipe.runtime.step.StepInput;
import io.genpipe.runtime.step.StepRef;
import java.util.ArrayList;
import java.util.List;

/**
 * Works out the columns every step's rows carry, in order: each step is given its inputs' columns (named by the
 * steps they come from) and checks what it needs, naming the column, the expected and the found.
 */
final class PortsPass {

    private PortsPass() {}

    private static StepTable.Row producer(StepTable table, String input) {
        return table.row(StepRef.parse(input).step());
    }

    static void apply(StepTable table) {
        if (table.order == null) {
            return;
        }
        for (String id : table.order) {
            StepTable.Row row = table.row(id);
            if (row.step == null
                    || !row.connected
                    || !row.definition.inputs().stream().allMatch(in -> producer(table, in).outputs != null)) {
                continue;
            }
            List<StepInput> inputs = new ArrayList<>();
            row.definition.inputs().forEach(in -> inputs.add(new StepInput(in, producer(table, in).outputs)));
            try {
                row.outputs = List.copyOf(row.step.outputs(inputs));
                if (!row.chain.isEmpty()) {
                    // a loop emits its chain's rows (none when its chain could not be checked)
                    row.outputs = table.row(row.chain.get(row.chain.size() - 1)).outputs;
                }
            } catch (ParameterException e) {
                // a parameter that does not fit the columns the step is given (a where: naming a column it lacks)
                for (int i = 0; i < e.problems().size(); i++) {
                    table.problem(
                            row, row.at(e.parameters().get(i)), e.problems().get(i));
                }
            } catch (GenpipeException e) {
                table.problem(row, row.definition.location(), e.getMessage());
            }
        }
    }
}
