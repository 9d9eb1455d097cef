package io.genpipe.api.spi;

import io.genpipe.api.data.Tensor;
import java.util.Set;

/**
 * The outputs of one {@link Model#run}: native tensors owned by this object until closed.
 * {@link #take(String)} hands one output over to the caller, who then closes it (a KV cache kept
 * for the next step, say); {@link #close()} closes the rest and is idempotent.
 */
public interface ModelOutputs extends AutoCloseable {

    /** Output names, in the graph's order. */
    Set<String> names();

    /**
     * The named output, still owned by this object.
     *
     * @throws IllegalArgumentException naming the output and the outputs present
     */
    Tensor get(String name);

    /** The named output, now owned by the caller; closing this object no longer closes it. */
    Tensor take(String name);

    @Override
    void close();
}
