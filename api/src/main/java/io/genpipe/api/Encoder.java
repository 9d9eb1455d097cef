package io.genpipe.api;

import io.genpipe.api.data.Batch;

/**
 * Samples &rarr; representations, one row per input row, deterministic.
 *
 * <p>Examples: a VAE posterior (image &rarr; mean, log-variance), classifier features,
 * transformer sentence embeddings. The caller owns the returned batch.
 */
public interface Encoder extends Component {

    Batch encode(Batch samples);
}
