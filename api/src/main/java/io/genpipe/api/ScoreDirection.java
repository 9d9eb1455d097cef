package io.genpipe.api;

/** How a {@link Scorer}'s number relates to the quantity it names. */
public enum ScoreDirection {
    /** A higher score means more of the quantity (e.g. more anomalous). */
    HIGHER_IS_MORE,
    /** A lower score means more of the quantity (e.g. a log-likelihood scored for anomaly). */
    LOWER_IS_MORE
}
