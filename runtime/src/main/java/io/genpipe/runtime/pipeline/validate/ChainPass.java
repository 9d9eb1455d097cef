package io.genpipe.runtime.pipeline.validate;

import io.genpipe.runtime.step.Aggregation;
import io.genpipe.runtime.step.StepKind;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks loops and their chains: only a loop ({@link Aggregation#ROUNDS}) has {@code steps:}, and it has some; a
 * chain holds row-wise steps and combines only (a step that needs every row, or writes, cannot run round by round);
 * the side values the chain reads are the loop's to wait for.
 */
final class ChainPass {

    private ChainPass() {}

    static void apply(StepTable table) {
        for (StepTable.Row row : table.rows()) {
            boolean loop = row.aggregation == Aggregation.ROUNDS;
            if (!row.chain.isEmpty() && row.step != null && !loop) {
                fail(
                        table,
                        row,
                        "steps: only a loop (refill) runs a chain of steps; " + row.definition.use() + " does not");
            }
            if (loop && row.chain.isEmpty()) {
                fail(
                        table,
                        row,
                        row.definition.use() + " needs steps: the chain of steps it runs each round (e.g."
                                + " noise -> generate -> gate)");
            }
            if (row.parent != null && row.step != null) {
                boolean fits = row.execution == StepKind.ROW_WISE
                        || (row.execution == StepKind.GLOBAL && row.aggregation == Aggregation.COMBINE);
                if (!fits) {
                    fail(
                            table,
                            row,
                            "step '" + row.id() + "' (" + row.definition.use() + ", " + row.execution.label()
                                    + ") cannot run in the chain of loop '" + row.parent
                                    + "': a chain holds row-wise steps"
                                    + " and counts, which run on each round's rows");
                }
            }
            if (loop) {
                List<String> sides = new ArrayList<>(row.sideInputs);
                for (String id : row.chain) {
                    for (String producer : table.row(id).sideInputs) {
                        if (!sides.contains(producer)) {
                            sides.add(producer);
                        }
                    }
                }
                row.sideInputs = List.copyOf(sides);
            }
        }
    }

    private static void fail(StepTable table, StepTable.Row row, String message) {
        table.problem(row, row.definition.location(), message);
        row.connected = false;
    }
}
