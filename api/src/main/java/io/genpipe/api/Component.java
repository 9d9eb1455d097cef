package io.genpipe.api;

import io.genpipe.api.data.PortSpec;
import java.util.List;

/**
 * What every role shares: declared ports and a life cycle.
 *
 * <p>Ports are fixed once a component is created: a pipeline validator compares them between
 * connected steps before anything runs. A component does not own the models it got from its
 * {@link io.genpipe.api.spi.PluginContext}: the runtime's registry closes those. {@link #close()}
 * releases only what the component itself allocated; it must be idempotent.
 *
 * <p>Implementations must be safe to call from several threads at once unless their factory's
 * documentation says otherwise.
 */
public interface Component extends AutoCloseable {

    /** Columns this component reads from its input batch, in a stable order. */
    List<PortSpec> inputs();

    /** Columns this component writes into the batch it returns, in a stable order. */
    List<PortSpec> outputs();

    /** Releases what the component allocated itself. Idempotent. Default: nothing to release. */
    @Override
    default void close() {
    }
}
