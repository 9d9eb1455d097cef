package io.genpipe.api.text;

import io.genpipe.api.RandomSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Continuous (iteration-level) batching over a {@linkplain DecodeLoop.StepModel#joinable() joinable} step
 * model: rows join the running batch between steps ({@link #join}) and leave it as soon as they end, so a new
 * request never waits for the longest one in flight. Each row is advanced exactly as {@link DecodeLoop} advances
 * it (its own random source, sampler and stop rule), so its text is the one it gets run alone. Not thread-safe:
 * one thread joins and steps.
 */
public final class ContinuousDecoder implements AutoCloseable {

    /**
     * One row to generate.
     *
     * @param prompt its prompt's token ids
     * @param random its own random source (a row's draws never depend on the other rows)
     * @param listener its pieces, as row 0, and whether it is cancelled
     * @param done called once with its generation when it ends
     * @param sampler its own sampler chain (its request's temperature, top-k, ...), or null for the decoder's
     * @param stop its own stop rule (its request's maxTokens, stop sequences, ...), or null for the decoder's
     */
    public record Member(
            int[] prompt,
            RandomSource random,
            TokenListener listener,
            Consumer<Generation> done,
            TokenSampler sampler,
            StopRule stop) {

        /** A member decoded with the decoder's sampler and stop rule. */
        public Member(int[] prompt, RandomSource random, TokenListener listener, Consumer<Generation> done) {
            this(prompt, random, listener, done, null, null);
        }
    }

    private final DecodeLoop.StepModel model;
    private final Vocabulary vocabulary;
    private final TokenSampler sampler;
    private final StopRule stop;
    private final List<DecodeLoop.Row> rows = new ArrayList<>();
    private final List<Member> members = new ArrayList<>();
    private float[] logits = new float[0];
    /** Rows still decoding (the others ended and wait to leave the model's batch). */
    private int live;

    /**
     * @throws IllegalArgumentException when {@code model} cannot take rows while it decodes
     */
    public ContinuousDecoder(DecodeLoop.StepModel model, Vocabulary vocabulary, TokenSampler sampler, StopRule stop) {
        if (!model.joinable()) {
            throw new IllegalArgumentException("the step model cannot take rows while it decodes");
        }
        this.model = model;
        this.vocabulary = vocabulary;
        this.sampler = sampler;
        this.stop = stop;
    }

    /** The rows decoding now. */
    public int rows() {
        return live;
    }

    /** The rows in the model's batch now: those decoding and those that ended but have not left it yet. */
    public int batchRows() {
        return rows.size();
    }

    /** Whether rows may join now (the model may take them at some steps only); always when none is decoding. */
    public boolean canJoin() {
        return live == 0 || model.canJoin();
    }

    /** Adds rows ({@link #canJoin()} must be true): their prompts are prefilled now, and their first token is sampled at the next {@link #step()}. */
    public void join(List<Member> joining) {
        if (joining.isEmpty()) {
            return;
        }
        if (live < members.size()) {
            int[] kept = compact();
            logits = pickRows(logits, kept);
        }
        int[][] prompts = new int[joining.size()][];
        for (int i = 0; i < prompts.length; i++) {
            prompts[i] = joining.get(i).prompt();
        }
        float[] fresh = model.join(prompts);
        float[] all = new float[logits.length + fresh.length];
        System.arraycopy(logits, 0, all, 0, logits.length);
        System.arraycopy(fresh, 0, all, logits.length, fresh.length);
        logits = all;
        for (Member m : joining) {
            rows.add(new DecodeLoop.Row(m.prompt(), stopOf(m).maxTokens()));
            members.add(m);
            live++;
        }
    }

    /**
     * One token for every row; rows that end are handed their generation and leave; the model then advances
     * the others.
     *
     * @return whether rows remain
     */
    public boolean step() {
        int n = rows.size();
        int eot = vocabulary.endOfText();
        int[] tokens = new int[n];
        boolean[] active = new boolean[n];
        for (int r = 0; r < n; r++) {
            Member m = members.get(r);
            if (m == null) {
                tokens[r] = eot; // a row that ended, still in the model's batch until the next compaction
                continue;
            }
            DecodeLoop.Row row = rows.get(r);
            StopRule rule = stopOf(m);
            int t = DecodeLoop.advance(
                    row,
                    logits,
                    r,
                    vocabulary,
                    m.sampler() != null ? m.sampler() : sampler,
                    rule,
                    DecodeLoop.longestStop(rule),
                    m.random(),
                    m.listener(),
                    0);
            if (row.finish != null) {
                members.set(r, null);
                live--;
                tokens[r] = eot;
                m.done().accept(row.generation());
            } else {
                tokens[r] = t;
                active[r] = true;
            }
        }
        // the rows that ended leave the model's batch when they are half of it (or when rows join): dropping
        // rows costs a copy of the caches, carrying them costs their share of each step
        if (live == 0 || (n - live) * 2 > n) {
            int[] kept = compact();
            tokens = pick(tokens, kept);
            active = new boolean[kept.length];
            Arrays.fill(active, true);
        }
        logits = rows.isEmpty() ? new float[0] : model.step(tokens, active);
        return live > 0;
    }

    /** Drops the rows that ended from the model and from here; the indices of those kept. */
    private int[] compact() {
        int[] kept = new int[live];
        int k = 0;
        for (int r = 0; r < members.size(); r++) {
            if (members.get(r) != null) {
                kept[k++] = r;
            }
        }
        if (kept.length < members.size()) {
            model.keep(kept);
            List<DecodeLoop.Row> stillRows = new ArrayList<>(kept.length);
            List<Member> still = new ArrayList<>(kept.length);
            for (int r : kept) {
                stillRows.add(rows.get(r));
                still.add(members.get(r));
            }
            rows.clear();
            rows.addAll(stillRows);
            members.clear();
            members.addAll(still);
        }
        return kept;
    }

    private static int[] pick(int[] values, int[] at) {
        int[] out = new int[at.length];
        for (int i = 0; i < at.length; i++) {
            out[i] = values[at[i]];
        }
        return out;
    }

    /** The logits of the rows at {@code at}. */
    private float[] pickRows(float[] all, int[] at) {
        int vocab = vocabulary.size();
        float[] out = new float[at.length * vocab];
        for (int i = 0; i < at.length; i++) {
            System.arraycopy(all, at[i] * vocab, out, i * vocab, vocab);
        }
        return out;
    }

    private StopRule stopOf(Member m) {
        return m.stop() != null ? m.stop() : stop;
    }

    /** Releases the model (rows still decoding are dropped without their callbacks). */
    @Override
    public void close() {
        model.close();
    }
}
