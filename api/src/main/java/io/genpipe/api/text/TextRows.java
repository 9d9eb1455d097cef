package io.genpipe.api.text;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
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

    private TextRows() {}

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

    /**
     * Each row's prompt ids as a model reads them: end of text first (as every training document
     * began), then the encoded text (or {@code fallback} for rows without one).
     */
    public static int[][] prompts(Batch batch, String[] texts, Vocabulary vocabulary) {
        int[][] ids = encode(batch, texts, vocabulary);
        for (int r = 0; r < ids.length; r++) {
            int[] withStart = new int[ids[r].length + 1];
            withStart[0] = vocabulary.endOfText();
            System.arraycopy(ids[r], 0, withStart, 1, ids[r].length);
            ids[r] = withStart;
        }
        return ids;
    }

    /** One random source per row, forked from {@code random} by row id. */
    public static RandomSource[] randoms(Batch batch, RandomSource random) {
        RandomSource[] out = new RandomSource[batch.rows()];
        for (int r = 0; r < out.length; r++) {
            out[r] = random.fork(batch.meta(r).id());
        }
        return out;
    }

    /** log softmax(logits[offset .. offset + size))[target], computed stably. */
    public static double logProbability(float[] logits, int offset, int size, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < size; j++) {
            max = Math.max(max, logits[offset + j]);
        }
        double sum = 0;
        for (int j = 0; j < size; j++) {
            sum += Math.exp(logits[offset + j] - max);
        }
        return logits[offset + target] - max - Math.log(sum);
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
        return Batch.builder(rows)
                .meta(meta)
                .column("tokens", BufferTensor.ofLongs(counts, rows))
                .build();
    }
}
