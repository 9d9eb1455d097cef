package io.genpipe.api;

import io.genpipe.api.data.Batch;

/**
 * Samples &rarr; one number per sample, with a declared meaning and direction.
 *
 * <p>Examples: VAE negative ELBO or reconstruction error ({@code quantity() = "anomaly"},
 * higher is more), discriminator realism, log-likelihood, classifier confidence.
 *
 * <p>A scorer returns numbers only, one finite value per row in row order; the host stores them in
 * the rows' metadata and as a column named after the step. A row's score depends on that row alone.
 * See {@link Component} for the whole contract.
 */
public interface Scorer extends Component {

    /** What the score measures, in one word a report can print: "anomaly", "realism", ... */
    String quantity();

    /** Which way {@link #quantity()} grows. */
    ScoreDirection direction();

    /** One score per row of {@code samples}, in row order. Deterministic. */
    double[] score(Batch samples);
}
