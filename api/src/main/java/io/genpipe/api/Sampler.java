package io.genpipe.api;

import io.genpipe.api.data.Batch;

/**
 * Distribution &rarr; draws, one draw per input row, deterministic under the given random source.
 *
 * <p>A latent prior reads no columns and writes a latent per row (use {@code Batch.ofRows(n)} as
 * input); a token sampler reads a logits column and writes the chosen token ids. Samplers are
 * swappable from a pipeline file without touching the generator that uses them. The result has
 * one row per input row with the input rows' metadata; row {@code r}'s draws come from
 * {@code random.fork(distribution.meta(r).id())} only. The caller owns the returned batch; the
 * input stays the caller's. See {@link Component} for the whole contract.
 */
public interface Sampler extends Component {

    Batch sample(Batch distribution, RandomSource random);
}
