package io.genpipe.serve;

import io.genpipe.api.Component;
import io.genpipe.api.Generator;
import io.genpipe.api.RandomSource;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.text.TextGenerator;
import io.genpipe.api.text.TokenListener;
import java.util.List;

/**
 * A component as served: its name, what it reads and writes, and one call over a batch of rows.
 * Generators draw from a fixed source; every row's own randomness comes from its id, which carries
 * its request's seed and its index there, so a row gets the same draws alone or batched with
 * others (the plugin kit checks every in-tree component for batch-size and row independence).
 */
final class ServedModel {

    static final String SCORE = "score";
    private static final RandomSource FIXED = new RandomSource(0);

    final String name;
    final String use;
    final Component component;

    ServedModel(String name, String use, Component component) {
        this.name = name;
        this.use = use;
        this.component = component;
        if (!(component instanceof Generator) && !(component instanceof Scorer)) {
            throw new IllegalArgumentException(use + " is a " + component.getClass().getSimpleName());
        }
    }

    String role() {
        return component instanceof Generator ? "generator" : "scorer";
    }

    List<PortSpec> inputs() {
        return component.inputs();
    }

    List<PortSpec> outputs() {
        return component instanceof Scorer ? List.of(PortSpec.of(SCORE, DType.FLOAT64, "batch")) : component.outputs();
    }

    /** Whether the model generates text (the generate endpoints; streaming). */
    boolean text() {
        return component instanceof TextGenerator;
    }

    /** The component over {@code in}: a new batch the caller owns, one row per input row, with the input's metadata. */
    Batch apply(Batch in) {
        return apply(in, TokenListener.NONE);
    }

    /** As {@link #apply(Batch)}, a text generator streaming each row's pieces to {@code listener} as they come. */
    Batch apply(Batch in, TokenListener listener) {
        if (component instanceof TextGenerator t) {
            return t.generate(in, FIXED, listener);
        }
        if (component instanceof Generator g) {
            return g.generate(in, FIXED);
        }
        double[] scores = ((Scorer) component).score(in);
        return Batch.builder(in.rows()).meta(in.meta()).column(SCORE, BufferTensor.ofDoubles(scores, scores.length)).build();
    }
}
