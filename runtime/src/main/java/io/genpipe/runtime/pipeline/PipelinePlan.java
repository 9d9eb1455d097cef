package io.genpipe.runtime.pipeline;

import io.genpipe.api.data.PortSpec;
import io.genpipe.runtime.step.Aggregation;
import io.genpipe.runtime.step.SideValue;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepKind;
import java.util.List;

/**
 * A validated pipeline: every step built, connected and port-checked, in an order where each step
 * comes after its inputs.
 *
 * @param definition the file as read
 * @param steps the steps in topological order
 */
public record PipelinePlan(PipelineDefinition definition, List<Planned> steps) {

    public PipelinePlan {
        steps = List.copyOf(steps);
    }

    /**
     * One step ready to run.
     *
     * @param definition as written
     * @param kind source, transform, sink, eval, or the component role
     * @param step the built step
     * @param outputs the columns its batches carry
     * @param consumers ids of the steps reading its output
     * @param execution how it executes
     * @param aggregation for a global step, how it aggregates its rows; null otherwise
     * @param publishes the side values it publishes
     * @param sideInputs the steps whose side values it reads
     */
    public record Planned(
            StepDefinition definition,
            String kind,
            Step step,
            List<PortSpec> outputs,
            List<String> consumers,
            StepKind execution,
            Aggregation aggregation,
            List<SideValue> publishes,
            List<String> sideInputs) {

        public Planned {
            outputs = List.copyOf(outputs);
            consumers = List.copyOf(consumers);
            publishes = List.copyOf(publishes);
            sideInputs = List.copyOf(sideInputs);
        }

        public String id() {
            return definition.id();
        }
    }
}
