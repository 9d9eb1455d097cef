package io.genpipe.runtime.step;

import io.genpipe.api.data.PortSpec;
import java.util.List;

/** A step that writes its input somewhere and passes nothing on. */
public abstract class SinkStep implements Step {

    @Override
    public final List<PortSpec> outputs(List<StepInput> inputs) {
        if (!inputs.isEmpty()) {
            inputColumns(inputs.get(0).columns());
        }
        return List.of();
    }

    /** The columns its first input carries, as validation found them before the run (e.g. a header to write). */
    protected void inputColumns(List<PortSpec> columns) {}
}
