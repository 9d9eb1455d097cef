package io.genpipe.wavenet;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.ScoreDirection;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ScorerFactory;
import io.genpipe.api.text.TextRows;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Map;

/**
 * How likely the WaveNet finds each row's audio: its first {@code length} samples as &mu;-law
 * classes, every sample from the second on predicted from those before it.
 * {@code report: bits-per-sample} (default; &minus;log<sub>2</sub> p per predicted sample, 8.0 for a
 * uniform guess) or {@code log-likelihood} (natural log, summed). Long clips are scored in windows of
 * {@value #WINDOW} predictions, each with the receptive field's worth of samples before it, so memory
 * stays bounded and the result equals one pass over the whole clip.
 */
final class WaveNetScorer implements Scorer {

    static final String NAME = "wavenet-scorer";
    static final int WINDOW = 4096;

    private final Model full;
    private final int context;
    private final boolean bits;

    private WaveNetScorer(Model full, boolean bits) {
        this.full = full;
        int field = WaveNet.receptiveField(full);
        this.context = field > 0 ? field - 1 : -1; // -1: not recorded, one pass over the whole row
        this.bits = bits;
    }

    @Override
    public List<PortSpec> inputs() {
        return List.of(WaveNet.AUDIO, WaveNet.LENGTH);
    }

    @Override
    public List<PortSpec> outputs() {
        return List.of(PortSpec.of("score", DType.FLOAT64, "batch"));
    }

    @Override
    public String quantity() {
        return bits ? "bits-per-sample" : "log-likelihood";
    }

    @Override
    public ScoreDirection direction() {
        return ScoreDirection.HIGHER_IS_MORE;
    }

    @Override
    public double[] score(Batch samples) {
        int rows = samples.rows();
        Tensor audio = samples.column("audio");
        int width = (int) audio.shape()[1];
        long[] length = WaveNet.lengths(samples, width);
        float[] x = audio.toFloatArray();
        int longest = 0;
        for (int r = 0; r < rows; r++) {
            if (length[r] < 2) {
                throw new GenpipeException("row " + samples.meta(r).id() + " has " + length[r]
                        + " samples; scoring needs at least 2" + " (the first one is only context)");
            }
            longest = (int) Math.max(longest, length[r]);
        }
        long[] tokens = new long[rows * longest];
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < length[r]; t++) {
                tokens[r * longest + t] = MuLaw.encode(x[r * width + t]);
            }
        }
        double[] ll = new double[rows];
        int predictions = longest - 1;
        int window = context < 0 ? predictions : WINDOW;
        float[] logits = null;
        for (int start = 0; start < predictions; start += window) {
            int end = Math.min(predictions, start + window);
            int from = context < 0 ? 0 : Math.max(0, start - context);
            int n = end - from;
            try (BufferTensor in = BufferTensor.allocate(DType.INT64, rows, n);
                    BufferTensor out = BufferTensor.allocate(DType.FLOAT32, rows, n, MuLaw.CLASSES)) {
                LongBuffer ib = in.longBuffer();
                for (int r = 0; r < rows; r++) {
                    ib.put(r * n, tokens, r * longest + from, n);
                }
                full.runInto(Map.of("tokens", in), Map.of("logits", out));
                FloatBuffer ob = out.floatBuffer();
                if (logits == null || logits.length < n * MuLaw.CLASSES) {
                    logits = new float[n * MuLaw.CLASSES];
                }
                for (int r = 0; r < rows; r++) {
                    ob.get(r * n * MuLaw.CLASSES, logits, 0, n * MuLaw.CLASSES);
                    for (int t = start; t < end && t + 1 < length[r]; t++) {
                        ll[r] += TextRows.logProbability(
                                logits, (t - from) * MuLaw.CLASSES, MuLaw.CLASSES, (int) tokens[r * longest + t + 1]);
                    }
                }
            }
        }
        double[] scores = new double[rows];
        for (int r = 0; r < rows; r++) {
            scores[r] = bits ? -ll[r] / (length[r] - 1) / Math.log(2) : ll[r];
        }
        return scores;
    }

    static ScorerFactory factory() {
        return ScorerFactory.of(
                NAME,
                "likelihood of each row's audio under the WaveNet (8 kHz, 8-bit mu-law): bits-per-sample"
                        + " or log-likelihood (nats)",
                List.of(
                        WaveNet.MODEL,
                        ParameterSpec.choice(
                                "report",
                                "bits-per-sample",
                                "bits-per-sample or log-likelihood",
                                "bits-per-sample",
                                "log-likelihood")),
                (p, context) -> new WaveNetScorer(
                        WaveNet.full(p, context), p.getString("report").equals("bits-per-sample")));
    }
}
