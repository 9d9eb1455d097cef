package io.genpipe.api;

import io.genpipe.api.data.Batch;

/**
 * Conditions &rarr; samples: one output row per input row.
 *
 * <p>Examples: a GAN generator (latent, optional label &rarr; image), a VAE decoder (latent &rarr;
 * image), an autoregressive model (prompt &rarr; sequence, each step drawn through a
 * {@link Sampler}). The conditions batch carries the columns named by {@link #inputs()}; the
 * result carries the columns named by {@link #outputs()} and the input rows' metadata (ids kept, in
 * order; the label may be set to the class generated for, tags may be added).
 *
 * <p>Randomness: row {@code r}'s draws come from {@code random.fork(conditions.meta(r).id())} only.
 * Ownership: the caller owns the returned batch and closes it; the input batch stays the
 * caller's. See {@link Component} for the whole contract.
 */
public interface Generator extends Component {

    /**
     * Generates one sample per row of {@code conditions}.
     *
     * @param random the only source of randomness the generator may use, so the same seed gives
     *     the same samples
     */
    Batch generate(Batch conditions, RandomSource random);
}
