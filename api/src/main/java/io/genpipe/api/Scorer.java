package io.genpipe.api;

import io.genpipe.api.data.Batch;

/**
 * Samples &rarr; one number per sample, with a declared meaning and direction.
 *
 * <p>Examples: VAE negative ELBO or reconstruction error ({@code quantity() = "anomaly"},
 * higher is more), discriminator realism, log-likelihood, classifier confidence.
 */
public interface Scorer extends Component {

    /** What the score measures, in one word a report can print: "anomaly", "realism", ... */
    String quantity();

    /** Which way {@link #quantity()} grows. */
    ScoreDirection direction();

    /** One score per row of {@code samples}, in row order. Deterministic. */
    double[] score(Batch samples);
}
