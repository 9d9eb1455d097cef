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
 * documentation says otherwise: keep per-call state in locals, not fields.
 *
 * <h2>The contract every role keeps</h2>
 * <ul>
 *   <li><b>Rows.</b> A result has exactly one row per input row, in the input's order, and each
 *       result row keeps its input row's {@link io.genpipe.api.data.RowMeta}: the same id, label,
 *       source and tags. A {@link Generator} may change the label to the class it generated for and
 *       add tags (a text generator's {@code text}); nothing else changes the metadata. A
 *       {@link Scorer} returns numbers only: the host puts them in the rows' score.</li>
 *   <li><b>Columns.</b> A result carries every column {@link #outputs()} declares, with the declared
 *       dtype and shape, and no undeclared column except input columns passed on unchanged. The
 *       host adds them to the input's columns (replacing any of the same name), so the step's
 *       output still has the input's other columns.</li>
 *   <li><b>Randomness.</b> A {@link Generator} or {@link Sampler} draws only from the
 *       {@link RandomSource} it is given, forked per row by the row's id,
 *       {@code random.fork(batch.meta(r).id())}, never from the source itself across rows: then a
 *       row's draws depend on the seed and its id alone, not on its neighbours or the batch size.
 *       An {@link Encoder} or {@link Scorer} that needs draws (importance samples, say) forks
 *       {@link io.genpipe.api.spi.PluginContext#random(String)} by row id the same way.
 *       {@code java.util.Random}, {@code Math.random()} and time are never sources.</li>
 *   <li><b>Ownership.</b> The input batch stays the caller's: do not close it or keep it (or its
 *       tensors) after the call. The returned batch belongs to the caller, who closes it. Models
 *       from the {@link io.genpipe.api.spi.PluginContext} belong to the runtime: never close them.
 *       {@link io.genpipe.api.spi.ModelOutputs} belong to whoever called {@code run}: close them
 *       (try-with-resources), or {@code take} an output you keep and close it yourself. What the
 *       component allocated and keeps, it closes in {@link #close()}.</li>
 * </ul>
 *
 * <p>{@code genpipe-testkit}'s conformance suite checks each of these against a plugin as deployed.
 */
public interface Component extends AutoCloseable {

    /** Columns this component reads from its input batch, in a stable order. */
    List<PortSpec> inputs();

    /** Columns this component writes into the batch it returns, in a stable order. */
    List<PortSpec> outputs();

    /** Releases what the component allocated itself. Idempotent. Default: nothing to release. */
    @Override
    default void close() {}
}
