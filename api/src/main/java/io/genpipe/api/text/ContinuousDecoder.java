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
     */
    public record Member(int[] prompt, RandomSource random, TokenListener listener, Consumer<Generation> done) {}

    private final DecodeLoop.StepModel model;
    private final Vocabulary vocabulary;
    private final TokenSampler sampler;
    private final StopRule stop;
    private final int longest;
    private final List<DecodeLoop.Row> rows = new ArrayList<>();
    private final List<Member> members = new ArrayList<>();
    private float[] logits = new float[0];

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
        this.longest = DecodeLoop.longestStop(stop);
    }

    /** The rows decoding now. */
    public int rows() {
        return rows.size();
    }

    /** Adds rows: their prompts are prefilled now, and their first token is sampled at the next {@link #step()}. */
    public void join(List<Member> joining) {
        if (joining.isEmpty()) {
            return;
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
            rows.add(new DecodeLoop.Row(m.prompt(), stop.maxTokens()));
            members.add(m);
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
        int[] tokens = new int[n];
        int[] keep = new int[n];
        int kept = 0;
        List<Member> ended = new ArrayList<>();
        List<DecodeLoop.Row> endedRows = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            DecodeLoop.Row row = rows.get(r);
            Member m = members.get(r);
            int t = DecodeLoop.advance(row, logits, r, vocabulary, sampler, stop, longest, m.random(), m.listener(), 0);
            if (row.finish != null) {
                ended.add(m);
                endedRows.add(row);
            } else {
                tokens[kept] = t;
                keep[kept++] = r;
            }
        }
        if (kept < n) {
            int[] which = Arrays.copyOf(keep, kept);
            model.keep(which);
            List<DecodeLoop.Row> stillRows = new ArrayList<>(kept);
            List<Member> still = new ArrayList<>(kept);
            for (int r : which) {
                stillRows.add(rows.get(r));
                still.add(members.get(r));
            }
            rows.clear();
            rows.addAll(stillRows);
            members.clear();
            members.addAll(still);
        }
        for (int i = 0; i < ended.size(); i++) {
            ended.get(i).done().accept(endedRows.get(i).generation());
        }
        logits = new float[0];
        if (kept > 0) {
            boolean[] active = new boolean[kept];
            Arrays.fill(active, true);
            logits = model.step(Arrays.copyOf(tokens, kept), active);
        }
        return !rows.isEmpty();
    }

    /** Releases the model (rows still decoding are dropped without their callbacks). */
    @Override
    public void close() {
        model.close();
    }
}
