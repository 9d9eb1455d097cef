package io.genpipe.runtime.pipeline.validate;

import io.genpipe.runtime.step.StepRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Orders the steps so that each comes after its inputs and the producers of the side values it reads, or reports
 * the cycle. Iterative, so a pipeline of any depth is ordered without exhausting the stack.
 */
final class OrderPass {

    private static final int ON_PATH = 1;
    private static final int ORDERED = 2;

    private OrderPass() {}

    static void apply(StepTable table) {
        List<String> order = new ArrayList<>();
        Map<String, Integer> state = new HashMap<>();
        for (StepTable.Row start : table.rows()) {
            if (state.containsKey(start.id())) {
                continue;
            }
            List<String> path = new ArrayList<>();
            List<Integer> next = new ArrayList<>(); // per path entry: index of the next dependency to visit
            path.add(start.id());
            next.add(0);
            state.put(start.id(), ON_PATH);
            while (!path.isEmpty()) {
                int top = path.size() - 1;
                String id = path.get(top);
                List<String> deps = dependencies(table.row(id));
                int i = next.get(top);
                if (i == deps.size()) {
                    state.put(id, ORDERED);
                    order.add(id);
                    path.remove(top);
                    next.remove(top);
                    continue;
                }
                next.set(top, i + 1);
                String dep = StepRef.parse(deps.get(i)).step();
                if (!table.has(dep)) {
                    continue;
                }
                Integer st = state.get(dep);
                if (st == null) {
                    state.put(dep, ON_PATH);
                    path.add(dep);
                    next.add(0);
                } else if (st == ON_PATH) {
                    List<String> cycle = new ArrayList<>(path.subList(path.indexOf(dep), path.size()));
                    cycle.add(dep);
                    StepTable.Row first = table.row(cycle.get(0));
                    table.problem(
                            first,
                            first.definition.location(),
                            "steps form a cycle: " + String.join(" -> ", cycle) + "; a pipeline is a DAG");
                    return;
                }
            }
        }
        table.order = order;
        for (String id : order) {
            if (table.row(id).parent != null) {
                continue; // a chain's step is run by its loop, not fed by the engine
            }
            for (String in : table.row(id).definition.inputs()) {
                String producer = StepRef.parse(in).step();
                if (table.has(producer) && !table.row(producer).consumers.contains(id)) {
                    table.row(producer).consumers.add(id);
                }
            }
        }
    }

    private static List<String> dependencies(StepTable.Row row) {
        if (row.sideInputs.isEmpty() && row.chain.isEmpty()) {
            return row.definition.inputs();
        }
        List<String> all = new ArrayList<>(row.definition.inputs());
        all.addAll(row.sideInputs);
        if (!row.chain.isEmpty()) {
            all.add(row.chain.get(row.chain.size() - 1)); // a loop's rows are its chain's
        }
        return all;
    }
}
