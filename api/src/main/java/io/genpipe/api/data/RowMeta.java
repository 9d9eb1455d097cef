package io.genpipe.api.data;

import java.util.Map;
import java.util.Objects;

/**
 * What a pipeline knows about one row besides its tensors.
 *
 * @param id stable identifier, carried through every step (e.g. {@code test-00042})
 * @param label class label, or null when the row has none
 * @param source where the row came from: a file, a step id
 * @param score the last score a Scorer step attached, or null
 * @param tags any further string annotations, immutable
 */
public record RowMeta(String id, Integer label, String source, Double score, Map<String, String> tags) {

    public RowMeta {
        Objects.requireNonNull(id, "id is null");
        tags = Map.copyOf(Objects.requireNonNull(tags, "tags is null"));
    }

    /** A row known only by its id. */
    public static RowMeta of(String id) {
        return new RowMeta(id, null, null, null, Map.of());
    }

    public RowMeta withLabel(Integer newLabel) {
        return new RowMeta(id, newLabel, source, score, tags);
    }

    public RowMeta withSource(String newSource) {
        return new RowMeta(id, label, newSource, score, tags);
    }

    public RowMeta withScore(Double newScore) {
        return new RowMeta(id, label, source, newScore, tags);
    }
}
