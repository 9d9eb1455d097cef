package io.genpipe.api;

import io.genpipe.api.data.Batch;

/**
 * Distribution &rarr; draws, one draw per input row, deterministic under the given random source.
 *
 * <p>A latent prior reads no columns and writes a latent per row (use {@code Batch.ofRows(n)} as
 * input); a token sampler reads a logits column and writes the chosen token ids. Samplers are
 * swappable from a pipeline file without touching the generator that uses them. The caller owns
 * the returned batch.
 */
public interface Sampler extends Component {

    Batch sample(Batch distribution, RandomSource random);
}
