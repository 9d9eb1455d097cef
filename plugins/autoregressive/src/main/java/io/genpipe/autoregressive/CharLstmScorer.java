package io.genpipe.autoregressive;

import io.genpipe.api.ScoreDirection;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ScorerFactory;
import io.genpipe.api.text.TextRows;
import java.util.List;

/**
 * How likely the character LSTM finds each row's {@code text} tag, read from end of text and
 * including the closing end of text: {@code log-likelihood} (natural log, higher is more likely)
 * or {@code bits-per-char} (&minus;log<sub>2</sub> likelihood per predicted symbol, lower is more likely).
 */
final class CharLstmScorer implements Scorer {

    private static final int ROWS_PER_RUN = 16;

    private final CharLstm lstm;
    private final boolean bits;

    private CharLstmScorer(CharLstm lstm, boolean bits) {
        this.lstm = lstm;
        this.bits = bits;
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
        return bits ? "bits-per-char" : "log-likelihood";
    }

    @Override
    public ScoreDirection direction() {
        return ScoreDirection.HIGHER_IS_MORE;
    }

    @Override
    public double[] score(Batch samples) {
        int rows = samples.rows();
        double[] scores = new double[rows];
        int[][] all = TextRows.encode(samples, TextRows.texts(samples, null, "char-lstm-scorer"), CharLstm.VOCABULARY);
        for (int from = 0; from < rows; from += ROWS_PER_RUN) {
            int n = Math.min(ROWS_PER_RUN, rows - from);
            int[][] texts = new int[n][];
            System.arraycopy(all, from, texts, 0, n);
            int[] counts = new int[n];
            double[] ll = lstm.logLikelihood(texts, counts);
            for (int i = 0; i < n; i++) {
                scores[from + i] = bits ? -ll[i] / counts[i] / Math.log(2) : ll[i];
            }
        }
        return scores;
    }

    static ScorerFactory factory() {
        return ScorerFactory.of(
                "char-lstm-scorer",
                "likelihood of each row's text under the character LSTM: log-likelihood (nats) or bits-per-char",
                List.of(
                        CharLstm.MODEL,
                        ParameterSpec.choice(
                                "report",
                                "bits-per-char",
                                "bits-per-char or log-likelihood",
                                "bits-per-char",
                                "log-likelihood")),
                (p, context) -> new CharLstmScorer(
                        CharLstm.load(p, context), p.getString("report").equals("bits-per-char")));
    }
}
