package io.genpipe.runtime.step;

import io.genpipe.api.data.PortSpec;
import java.util.List;

/** A step whose output batches carry exactly its single input's columns. */
public abstract class PassThroughStep implements Step {

    @Override
    public final List<PortSpec> outputs(List<StepInput> inputs) {
        return inputs.get(0).columns();
    }
}
