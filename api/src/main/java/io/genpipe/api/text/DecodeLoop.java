package io.genpipe.api.text;

import io.genpipe.api.RandomSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Drives a model one token at a time for a batch of prompts: samples each row's next token with the
 * {@link TokenSampler}, applies the {@link StopRule}, streams new text to a {@link TokenListener},
 * and asks the model for the next logits only while some row is still going. The model decides how
 * it carries state (LSTM hidden state, transformer KV cache, or recomputing the prefix).
 */
public final class DecodeLoop {

    private DecodeLoop() {}

    /** A model seen one step at a time; closed when its batch is done (release caches and buffers there). */
    public interface StepModel extends AutoCloseable {

        /**
         * Logits of the token after each prompt, {@code float[rows * vocab]}. Each prompt includes
         * whatever start token the model expects.
         */
        float[] start(int[][] prompts);

        /**
         * Logits after appending {@code tokens[r]} to each row, {@code float[rows * vocab]}. Rows with
         * {@code active[r] == false} have finished; their token is end of text and their logits are
         * ignored, so a model may skip them.
         */
        float[] step(int[] tokens, boolean[] active);

        @Override
        default void close() {}
    }

    /**
     * Generates one continuation per prompt.
     *
     * @param randoms one random source per row (a row's draws never depend on the other rows)
     */
    public static List<Generation> run(
            int[][] prompts,
            StepModel model,
            Vocabulary vocabulary,
            TokenSampler sampler,
            StopRule stop,
            RandomSource[] randoms,
            TokenListener listener) {
        int rows = prompts.length;
        int vocab = vocabulary.size();
        int eot = vocabulary.endOfText();
        Row[] state = new Row[rows];
        for (int r = 0; r < rows; r++) {
            state[r] = new Row(prompts[r], stop.maxTokens());
        }
        boolean[] active = new boolean[rows];
        Arrays.fill(active, true);
        int going = rows;
        float[] logits = rows == 0 ? new float[0] : model.start(prompts);
        int[] tokens = new int[rows];
        int longest = longestStop(stop);
        while (going > 0) {
            for (int r = 0; r < rows; r++) {
                if (!active[r]) {
                    tokens[r] = eot;
                    continue;
                }
                Row row = state[r];
                if (listener.cancelled(r)) {
                    // its request is no longer wanted: the row ends here, the others go on
                    row.finish = "cancelled";
                    listener.onFinish(r, row.finish);
                    active[r] = false;
                    tokens[r] = eot;
                    going--;
                    continue;
                }
                if (row.generated < stop.minTokens()) {
                    logits[r * vocab + eot] = Float.NEGATIVE_INFINITY;
                }
                int t = sampler.next(logits, r * vocab, vocab, row.context, row.contextLength, randoms[r]);
                tokens[r] = t;
                String finish = null;
                if (t == eot) {
                    finish = "end-of-text";
                } else {
                    row.append(t, vocabulary.decode(t));
                    int at = stop.firstStop(row.text, row.text.length() - row.lastPiece - longest + 1);
                    if (at >= 0) {
                        row.cut(at);
                        finish = "stop-sequence";
                    } else if (row.generated == stop.maxTokens()) {
                        finish = "max-tokens";
                    } else {
                        int visible = row.text.length() - stop.heldBack(row.text);
                        if (visible > row.emitted) {
                            listener.onText(r, row.text.substring(row.emitted, visible));
                            row.emitted = visible;
                        }
                    }
                }
                if (finish != null) {
                    if (row.text.length() > row.emitted) {
                        listener.onText(r, row.text.substring(row.emitted));
                        row.emitted = row.text.length();
                    }
                    row.finish = finish;
                    listener.onFinish(r, finish);
                    active[r] = false;
                    tokens[r] = eot;
                    going--;
                }
            }
            if (going > 0) {
                logits = model.step(tokens.clone(), active.clone());
            }
        }
        List<Generation> out = new ArrayList<>(rows);
        for (Row row : state) {
            out.add(new Generation(
                    Arrays.copyOfRange(row.context, row.promptLength, row.promptLength + row.generated),
                    row.text.toString(),
                    row.finish));
        }
        return out;
    }

    private static int longestStop(StopRule stop) {
        int n = 1;
        for (String s : stop.stopSequences()) {
            n = Math.max(n, s.length());
        }
        return n;
    }

    /** One row's progress. */
    private static final class Row {
        final int promptLength;
        int[] context;
        int contextLength;
        int generated;
        final StringBuilder text = new StringBuilder();
        final List<Integer> pieceEnds = new ArrayList<>();
        int lastPiece;
        int emitted;
        String finish;

        Row(int[] prompt, int maxTokens) {
            promptLength = prompt.length;
            context = Arrays.copyOf(prompt, prompt.length + Math.min(maxTokens, 4096));
            contextLength = prompt.length;
        }

        void append(int token, String piece) {
            if (contextLength == context.length) {
                context = Arrays.copyOf(context, context.length * 2);
            }
            context[contextLength++] = token;
            generated++;
            text.append(piece);
            lastPiece = piece.length();
            pieceEnds.add(text.length());
        }

        /** Keeps the text before {@code at} and the tokens wholly inside it. */
        void cut(int at) {
            int keep = 0;
            while (keep < pieceEnds.size() && pieceEnds.get(keep) <= at) {
                keep++;
            }
            generated = keep;
            contextLength = promptLength + keep;
            text.setLength(at);
        }
    }
}
