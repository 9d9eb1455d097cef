package io.genpipe.runtime.pipeline.validate;

import io.genpipe.runtime.pipeline.PipelineDefinition;
import io.genpipe.runtime.pipeline.PipelineException;
import io.genpipe.runtime.pipeline.PipelineHost;
import io.genpipe.runtime.pipeline.PipelinePlan;
import io.genpipe.runtime.pipeline.Problem;
import io.genpipe.runtime.step.Chained;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The passes, in order: what each step uses, its inputs, the side values it reads, its parameters and build, the
 * loops' chains, the outputs its inputs name, the order of the steps, the columns they pass each other. Then the plan, or every problem in file order.
 */
public final class Validation {

    private Validation() {}

    /**
     * Validates {@code definition} on {@code host}, with problems the reader found {@code earlier}.
     *
     * @throws PipelineException listing every problem, earlier ones included, in file order
     */
    public static PipelinePlan run(PipelineHost host, PipelineDefinition definition, List<Problem> earlier) {
        StepTable table = new StepTable(definition, host, earlier);
        ResolvePass.apply(table);
        InputsPass.apply(table);
        SideValuesPass.apply(table);
        BuildPass.apply(table);
        ChainPass.apply(table);
        OutputRefsPass.apply(table);
        OrderPass.apply(table);
        PortsPass.apply(table);
        if (!table.problems().isEmpty()) {
            List<Problem> problems = new ArrayList<>(table.problems());
            problems.sort(Comparator.comparingInt((Problem p) -> p.location().line())
                    .thenComparingInt(p -> p.location().column()));
            throw new PipelineException(problems);
        }
        List<PipelinePlan.Planned> planned = new ArrayList<>();
        for (String id : table.order) {
            StepTable.Row row = table.row(id);
            if (row.parent != null) {
                continue; // in its loop's chain
            }
            if (row.step instanceof Chained loop) {
                List<Chained.Link> links = new ArrayList<>();
                for (String c : row.chain) {
                    StepTable.Row link = table.row(c);
                    links.add(new Chained.Link(c, link.step, link.aggregation));
                }
                loop.chain(links);
            }
            planned.add(new PipelinePlan.Planned(
                    row.definition,
                    row.kind,
                    row.step,
                    row.outputs,
                    row.consumers,
                    row.execution,
                    row.aggregation,
                    row.publishes,
                    row.sideInputs));
        }
        return new PipelinePlan(definition, planned);
    }
}
