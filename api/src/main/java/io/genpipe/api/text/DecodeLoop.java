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

        /**
         * Whether rows can join and leave between steps ({@link #join}, {@link #keep}): continuous batching,
         * where a request joins the running batch at the next step and leaves it when it ends.
         */
        default boolean joinable() {
            return false;
        }

        /**
         * Prefills {@code prompts} and appends them as rows after the current ones (the first call starts the
         * model, as {@link #start} does); their next-token logits, {@code float[prompts.length * vocab]}.
         */
        default float[] join(int[][] prompts) {
            throw new UnsupportedOperationException("this model cannot take rows while it decodes");
        }

        /**
         * Whether rows may {@link #join} now (a model may take them at some steps only, e.g. so that every row's
         * numbers stay what they are alone); they always may when no row is decoding.
         */
        default boolean canJoin() {
            return true;
        }

        /** Keeps only the rows at {@code rows} (ascending indices into the current rows); the others' state goes. */
        default void keep(int[] rows) {
            throw new UnsupportedOperationException("this model cannot drop rows while it decodes");
        }

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
                tokens[r] = advance(state[r], logits, r, vocabulary, sampler, stop, longest, randoms[r], listener, r);
                if (state[r].finish != null) {
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
            out.add(row.generation());
        }
        return out;
    }

    /**
     * One row's next token from its logits at {@code r * vocab}: the row may be cancelled, its end of text
     * forbidden below minTokens, the token sampled, the stop rule applied and the new visible text streamed to
     * {@code listener} as row {@code listenerRow}; {@code row.finish} is set when it ends. Every decoder (the
     * batch loop here and {@link ContinuousDecoder}) advances rows with this, so a row's text does not depend
     * on how it was batched.
     *
     * @return the sampled token (end of text when the row ended on it or was cancelled)
     */
    static int advance(
            Row row,
            float[] logits,
            int r,
            Vocabulary vocabulary,
            TokenSampler sampler,
            StopRule stop,
            int longest,
            RandomSource random,
            TokenListener listener,
            int listenerRow) {
        int vocab = vocabulary.size();
        int eot = vocabulary.endOfText();
        if (listener.cancelled(listenerRow)) {
            // its request is no longer wanted: the row ends here, the others go on
            row.finish = "cancelled";
            listener.onFinish(listenerRow, row.finish);
            return eot;
        }
        if (row.generated < stop.minTokens()) {
            logits[r * vocab + eot] = Float.NEGATIVE_INFINITY;
        }
        int t = sampler.next(logits, r * vocab, vocab, row.context, row.contextLength, random);
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
                    listener.onText(listenerRow, row.text.substring(row.emitted, visible));
                    row.emitted = visible;
                }
            }
        }
        if (finish != null) {
            if (row.text.length() > row.emitted) {
                listener.onText(listenerRow, row.text.substring(row.emitted));
                row.emitted = row.text.length();
            }
            row.finish = finish;
            listener.onFinish(listenerRow, finish);
            return eot;
        }
        return t;
    }

    static int longestStop(StopRule stop) {
        int n = 1;
        for (String s : stop.stopSequences()) {
            n = Math.max(n, s.length());
        }
        return n;
    }

    /** One row's progress. */
    static final class Row {
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

        Generation generation() {
            return new Generation(
                    Arrays.copyOfRange(context, promptLength, promptLength + generated), text.toString(), finish);
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
