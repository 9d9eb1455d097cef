package io.genpipe.api;

import io.genpipe.api.data.Batch;

/**
 * Samples &rarr; representations, one row per input row, deterministic.
 *
 * <p>Examples: a VAE posterior (image &rarr; mean, log-variance), classifier features,
 * transformer sentence embeddings. The result has one row per input row with the input rows'
 * metadata unchanged and the columns named by {@link #outputs()}; the same input always gives the
 * same bytes, whatever the batch it comes in. The caller owns the returned batch; the input stays
 * the caller's. See {@link Component} for the whole contract.
 */
public interface Encoder extends Component {

    Batch encode(Batch samples);
}
