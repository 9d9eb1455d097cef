package io.genpipe.api;

import io.genpipe.api.data.Batch;

/**
 * Conditions &rarr; samples: one output row per input row.
 *
 * <p>Examples: a GAN generator (latent, optional label &rarr; image), a VAE decoder (latent &rarr;
 * image), an autoregressive model (prompt &rarr; sequence, each step drawn through a
 * {@link Sampler}). The conditions batch carries the columns named by {@link #inputs()}; the
 * result carries the columns named by {@link #outputs()} and the input rows' metadata.
 *
 * <p>Ownership: the caller owns the returned batch and closes it; the input batch stays the
 * caller's.
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
