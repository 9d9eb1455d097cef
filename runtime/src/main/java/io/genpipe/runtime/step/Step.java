package io.genpipe.runtime.step;

import io.genpipe.api.data.PortSpec;
import java.util.List;

/**
 * One step of a running pipeline, built and checked before the run starts.
 */
public interface Step {

    /**
     * The columns this step's output batches carry, given each input's columns. Called during
     * validation, in topological order.
     *
     * @throws io.genpipe.api.GenpipeException naming the column, the expected and the found when an
     *     input lacks a column the step needs or has it with another dtype or shape
     */
    List<PortSpec> outputs(List<List<PortSpec>> inputs);

    /**
     * Consumes the inputs and emits output batches until the inputs are exhausted. Runs in its
     * own thread. Every batch taken from an input is owned by the step: emit it or close it.
     */
    void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception;
}
