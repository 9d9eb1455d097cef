package io.genpipe.runtime.step;

import io.genpipe.api.data.PortSpec;
import java.util.List;

/**
 * One input of a step while a pipeline is validated: the step it reads and the columns that step's rows carry.
 *
 * @param step the id of the step whose rows this input is
 * @param columns the columns those rows carry
 */
public record StepInput(String step, List<PortSpec> columns) {

    public StepInput {
        columns = List.copyOf(columns);
    }
}
