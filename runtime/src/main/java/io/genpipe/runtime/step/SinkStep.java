package io.genpipe.runtime.step;

import io.genpipe.api.data.PortSpec;
import java.util.List;

/** A step that writes its input somewhere and passes nothing on. */
public abstract class SinkStep implements Step {

    @Override
    public final List<PortSpec> outputs(List<StepInput> inputs) {
        return List.of();
    }
}
