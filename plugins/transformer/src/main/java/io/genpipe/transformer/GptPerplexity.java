package io.genpipe.transformer;

import io.genpipe.api.ScoreDirection;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.ModelOutputs;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ScorerFactory;
import io.genpipe.api.text.TextRows;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-text perplexity under the GPT: exp of the mean negative log-likelihood of the text's
 * characters and the closing end of text, read from end of text (the figure the model card's
 * validation perplexity averages over characters). {@code report: nll} gives the total in nats.
 */
final class GptPerplexity implements Scorer {

    private static final int ROWS_PER_RUN = 16;

    private final Gpt gpt;
    private final boolean perplexity;

    private GptPerplexity(Gpt gpt, boolean perplexity) {
        this.gpt = gpt;
        this.perplexity = perplexity;
    }

    @Override
    public List<PortSpec> inputs() {
        return List.of();
    }

    @Override
    public List<PortSpec> outputs() {
        return List.of(PortSpec.of("score", DType.FLOAT64, "batch"));
    }

    @Override
    public String quantity() {
        return perplexity ? "perplexity" : "negative-log-likelihood";
    }

    @Override
    public ScoreDirection direction() {
        return ScoreDirection.HIGHER_IS_MORE;
    }

    @Override
    public double[] score(Batch samples) {
        int rows = samples.rows();
        int[][] ids = TextRows.prompts(samples, TextRows.texts(samples, null, "gpt-perplexity"), Gpt.VOCABULARY);
        double[] scores = new double[rows];
        int vocab = gpt.vocab;
        for (int from = 0; from < rows; from += ROWS_PER_RUN) {
            int n = Math.min(ROWS_PER_RUN, rows - from);
            int[][] chunk = new int[n][];
            for (int i = 0; i < n; i++) {
                chunk[i] = ids[from + i];
            }
            Gpt.Padded p = Gpt.Padded.of(chunk);
            try (ModelOutputs o = gpt.runPrefill(p)) {
                float[] logits = o.get("logits").toFloatArray();
                for (int i = 0; i < n; i++) {
                    int pad = p.pad(i, chunk);
                    int len = chunk[i].length;
                    double nll = 0;
                    for (int t = 0; t < len; t++) {
                        int target = t + 1 < len ? chunk[i][t + 1] : Gpt.VOCABULARY.endOfText();
                        nll -= TextRows.logProbability(logits, (i * p.length() + pad + t) * vocab, vocab, target);
                    }
                    scores[from + i] = perplexity ? Math.exp(nll / len) : nll;
                }
            }
        }
        return scores;
    }

    static ScorerFactory factory() {
        List<ParameterSpec> params = new ArrayList<>(Gpt.MODEL_PARAMETERS);
        params.add(ParameterSpec.choice(
                "report", "perplexity", "perplexity (per character) or nll (nats per text)", "perplexity", "nll"));
        return ScorerFactory.of(
                "gpt-perplexity",
                "per-text perplexity under the GPT (or its negative log-likelihood in nats)",
                params,
                (p, context) -> new GptPerplexity(
                        Gpt.load(p, context), p.getString("report").equals("perplexity")));
    }
}
