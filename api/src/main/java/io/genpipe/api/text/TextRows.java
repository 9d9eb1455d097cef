package io.genpipe.api.text;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How texts travel in a batch: as the row tag {@value #TEXT}. Text generators read their prompts
 * here and write rows with tags {@code prompt}, {@code completion}, {@code text} (prompt +
 * completion) and {@code finish}, plus a column {@code tokens} (int64[batch], generated tokens).
 */
public final class TextRows {

    /** The row tag holding a text. */
    public static final String TEXT = "text";

    private TextRows() {
    }

    /** Each row's text, or {@code fallback} for rows without one (null: such rows are an error). */
    public static String[] texts(Batch batch, String fallback, String component) {
        String[] out = new String[batch.rows()];
        for (int r = 0; r < out.length; r++) {
            RowMeta m = batch.meta(r);
            out[r] = m.tags().getOrDefault(TEXT, fallback);
            if (out[r] == null) {
                throw new GenpipeException("row " + m.id() + " has no text tag; " + component + " reads texts (from"
                        + " text-source, jsonl-source with text:, or a text generator)");
            }
        }
        return out;
    }

    /** Each text encoded, errors naming the row. */
    public static int[][] encode(Batch batch, String[] texts, Vocabulary vocabulary) {
        int[][] ids = new int[texts.length][];
        for (int r = 0; r < texts.length; r++) {
            try {
                ids[r] = vocabulary.encode(texts[r]);
            } catch (GenpipeException e) {
                throw new GenpipeException("row " + batch.meta(r).id() + ": " + e.getMessage(), e);
            }
        }
        return ids;
    }

    /** The result rows of a text generator: the input rows' metadata with the generation's tags. */
    public static Batch generated(Batch conditions, String[] prompts, List<Generation> out) {
        int rows = conditions.rows();
        List<RowMeta> meta = new ArrayList<>(rows);
        long[] counts = new long[rows];
        for (int r = 0; r < rows; r++) {
            RowMeta m = conditions.meta(r);
            Generation g = out.get(r);
            Map<String, String> tags = new HashMap<>(m.tags());
            tags.put("prompt", prompts[r]);
            tags.put("completion", g.text());
            tags.put(TEXT, prompts[r] + g.text());
            tags.put("finish", g.finish());
            meta.add(new RowMeta(m.id(), m.label(), m.source(), m.score(), tags));
            counts[r] = g.tokens().length;
        }
        return Batch.builder(rows).meta(meta).column("tokens", BufferTensor.ofLongs(counts, rows)).build();
    }
}
