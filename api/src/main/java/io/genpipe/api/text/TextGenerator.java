package io.genpipe.api.text;

import io.genpipe.api.Generator;
import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;

/**
 * A {@link Generator} of text that can stream: pieces of each row's text reach a
 * {@link TokenListener} as they are generated, before the batch is complete. The pipeline runner
 * passes a listener when someone is watching (the CLI on a terminal); embedders pass their own.
 *
 * <p>Implementations draw each row's tokens from {@code random.fork(rowId)}, so a row's text
 * depends on the seed and its id, not on the rest of its batch; the pipeline runner passes the
 * step's own source, so texts do not depend on the batch size either.
 */
public interface TextGenerator extends Generator {

    /** Generates one text per row, streaming pieces to {@code listener}. */
    Batch generate(Batch conditions, RandomSource random, TokenListener listener);

    @Override
    default Batch generate(Batch conditions, RandomSource random) {
        return generate(conditions, random, TokenListener.NONE);
    }
}
