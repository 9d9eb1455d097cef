package io.genpipe.api.text;

import io.genpipe.api.RandomSource;
import io.genpipe.api.spi.InvalidParameterException;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Picks the next token from a model's logits through a fixed chain of stages, each optional:
 *
 * <ol>
 *   <li>repetition penalty {@code r}: the logit {@code l} of every token already in the context
 *       (prompt and generated text) becomes {@code l / r} when positive, {@code l * r} otherwise;
 *   <li>greedy: the most probable token (lowest id on ties) — the remaining stages are skipped;
 *   <li>temperature {@code T}: softmax of {@code l / T};
 *   <li>top-k: only the {@code k} most probable tokens keep their mass (ties broken by lower id),
 *       renormalised;
 *   <li>top-p (nucleus): only the smallest set of most probable tokens whose mass reaches
 *       {@code p} is kept, renormalised;
 *   <li>one draw from what is left, by inverse CDF over token ids with one uniform number from the
 *       row's {@link RandomSource} — so the same seed gives the same text.
 * </ol>
 *
 * Immutable and thread-safe. {@link #distribution} exposes the distribution the draw uses.
 */
public final class TokenSampler {

    /** The parameters every token generator declares, with these names and defaults. */
    public static final List<ParameterSpec> PARAMETERS = List.of(
            ParameterSpec.choice(
                    "sampling",
                    "sample",
                    "greedy: always the most probable token; sample: draw through temperature, topK, topP",
                    "sample",
                    "greedy"),
            ParameterSpec.optional(
                    "temperature",
                    ParameterType.NUMBER,
                    "1.0",
                    "divides the logits before softmax: below 1 sharpens, above 1 flattens (must be > 0)"),
            ParameterSpec.optional("topK", ParameterType.INTEGER, "0", "keep the k most probable tokens (0: all)"),
            ParameterSpec.optional(
                    "topP",
                    ParameterType.NUMBER,
                    "1.0",
                    "keep the smallest set of most probable tokens whose probability mass reaches p (1: all)"),
            ParameterSpec.optional(
                    "repetitionPenalty",
                    ParameterType.NUMBER,
                    "1.0",
                    "penalise tokens already in the text: positive logits divided by it, negative multiplied (1: off)"));

    private static final double MASS_TOLERANCE = 1e-9;

    private final boolean greedy;
    private final double temperature;
    private final int topK;
    private final double topP;
    private final double repetitionPenalty;

    private TokenSampler(Builder b) {
        this.greedy = b.greedy;
        this.temperature = b.temperature;
        this.topK = b.topK;
        this.topP = b.topP;
        this.repetitionPenalty = b.repetitionPenalty;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Always the most probable token. */
    public static TokenSampler greedy() {
        return builder().greedy(true).build();
    }

    /**
     * The chain a pipeline step configured through {@link #PARAMETERS}.
     *
     * @throws InvalidParameterException naming the parameter and the allowed range when a value is out of range
     */
    public static TokenSampler fromParameters(Parameters p) {
        return builder()
                .greedy(p.getString("sampling").equals("greedy"))
                .temperature(p.getDouble("temperature"))
                .topK(p.getInt("topK"))
                .topP(p.getDouble("topP"))
                .repetitionPenalty(p.getDouble("repetitionPenalty"))
                .build();
    }

    public boolean isGreedy() {
        return greedy;
    }

    /**
     * The probabilities the next draw uses, after every stage of the chain (one-hot when greedy).
     *
     * @param logits the model's logits; entries {@code offset .. offset + vocab - 1} are read
     * @param context the token ids so far (prompt and generated), for the repetition penalty
     * @param contextLength how many entries of {@code context} are used
     */
    public double[] distribution(float[] logits, int offset, int vocab, int[] context, int contextLength) {
        double[] l = new double[vocab];
        for (int i = 0; i < vocab; i++) {
            l[i] = logits[offset + i];
        }
        if (repetitionPenalty != 1.0) {
            boolean[] seen = new boolean[vocab];
            for (int i = 0; i < contextLength; i++) {
                int t = context[i];
                if (t >= 0 && t < vocab && !seen[t]) {
                    seen[t] = true;
                    l[t] = l[t] > 0 ? l[t] / repetitionPenalty : l[t] * repetitionPenalty;
                }
            }
        }
        double[] p = new double[vocab];
        if (greedy) {
            int best = 0;
            for (int i = 1; i < vocab; i++) {
                if (l[i] > l[best]) {
                    best = i;
                }
            }
            p[best] = 1.0;
            return p;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, l[i] / temperature);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            p[i] = Math.exp(l[i] / temperature - max);
            sum += p[i];
        }
        for (int i = 0; i < vocab; i++) {
            p[i] /= sum;
        }
        if ((topK > 0 && topK < vocab) || topP < 1.0) {
            Integer[] order = new Integer[vocab];
            for (int i = 0; i < vocab; i++) {
                order[i] = i;
            }
            final double[] probs = p;
            Arrays.sort(
                    order, (a, b) -> probs[a] != probs[b] ? Double.compare(probs[b], probs[a]) : Integer.compare(a, b));
            int keep = topK > 0 && topK < vocab ? topK : vocab;
            double kept = 0;
            for (int i = 0; i < keep; i++) {
                kept += p[order[i]];
            }
            if (topP < 1.0) {
                double cumulative = 0;
                for (int i = 0; i < keep; i++) {
                    cumulative += p[order[i]] / kept;
                    if (cumulative >= topP - MASS_TOLERANCE) {
                        keep = i + 1;
                        break;
                    }
                }
            }
            double[] q = new double[vocab];
            double mass = 0;
            for (int i = 0; i < keep; i++) {
                mass += p[order[i]];
            }
            for (int i = 0; i < keep; i++) {
                q[order[i]] = p[order[i]] / mass;
            }
            p = q;
        }
        return p;
    }

    /** The next token: {@link #distribution} and, unless greedy, one draw from {@code random}. */
    public int next(float[] logits, int offset, int vocab, int[] context, int contextLength, RandomSource random) {
        double[] p = distribution(logits, offset, vocab, context, contextLength);
        if (greedy) {
            for (int i = 0; i < vocab; i++) {
                if (p[i] == 1.0) {
                    return i;
                }
            }
        }
        double u = random.nextDouble();
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < vocab; i++) {
            if (p[i] > 0) {
                cumulative += p[i];
                last = i;
                if (u < cumulative) {
                    return i;
                }
            }
        }
        return last;
    }

    @Override
    public String toString() {
        List<String> stages = new ArrayList<>();
        if (repetitionPenalty != 1.0) {
            stages.add("repetitionPenalty=" + repetitionPenalty);
        }
        if (greedy) {
            stages.add("greedy");
            return String.join(" -> ", stages);
        }
        stages.add("temperature=" + temperature);
        if (topK > 0) {
            stages.add("topK=" + topK);
        }
        if (topP < 1.0) {
            stages.add("topP=" + topP);
        }
        stages.add("sample");
        return String.join(" -> ", stages);
    }

    /** Settings of a chain; every stage starts switched off (temperature 1, sampling). */
    public static final class Builder {
        private boolean greedy;
        private double temperature = 1.0;
        private int topK;
        private double topP = 1.0;
        private double repetitionPenalty = 1.0;

        private Builder() {}

        public Builder greedy(boolean value) {
            this.greedy = value;
            return this;
        }

        public Builder temperature(double value) {
            if (!(value > 0) || Double.isInfinite(value)) {
                throw new InvalidParameterException(
                        "temperature",
                        "temperature must be a number > 0 (use sampling: greedy for the most probable"
                                + " token), found " + value);
            }
            this.temperature = value;
            return this;
        }

        public Builder topK(int value) {
            if (value < 0) {
                throw new InvalidParameterException(
                        "topK", "topK must be 0 (off) or a positive count of tokens, found " + value);
            }
            this.topK = value;
            return this;
        }

        public Builder topP(double value) {
            if (!(value > 0 && value <= 1)) {
                throw new InvalidParameterException("topP", "topP must be in (0, 1] (1: off), found " + value);
            }
            this.topP = value;
            return this;
        }

        public Builder repetitionPenalty(double value) {
            if (!(value > 0) || Double.isInfinite(value)) {
                throw new InvalidParameterException(
                        "repetitionPenalty",
                        "repetitionPenalty must be a number > 0 (1: off; above 1 discourages" + " repeats), found "
                                + value);
            }
            this.repetitionPenalty = value;
            return this;
        }

        public TokenSampler build() {
            return new TokenSampler(this);
        }
    }
}
