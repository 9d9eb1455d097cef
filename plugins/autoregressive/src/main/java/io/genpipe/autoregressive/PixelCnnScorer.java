package io.genpipe.autoregressive;

import io.genpipe.api.ScoreDirection;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.InvalidParameterException;
import io.genpipe.api.spi.ModelOutputs;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ScorerFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Exact negative log-likelihood of each image under the PixelCNN, in one pass: the image is
 * binarized at 0.5 and the 784 Bernoulli terms are summed. {@code unit: nats} gives nats per image,
 * {@code bits-per-dim} divides by 784 ln 2. Higher is less likely: an anomaly score as it stands.
 *
 * <p>{@code measure: ratio} scores {@code -log p(x | class) + log p(x)} instead (two passes): how
 * much less likely the image is under the class than under the model of all classes. Raw likelihood
 * mostly measures how simple an image is (few ink pixels are cheap under any class); the ratio
 * cancels that part.
 */
final class PixelCnnScorer implements Scorer {

    private final PixelCnn pixelCnn;
    private final PixelCnn.Labels labels;
    private final boolean bitsPerDim;
    private final boolean ratio;

    private PixelCnnScorer(PixelCnn pixelCnn, PixelCnn.Labels labels, boolean bitsPerDim, boolean ratio) {
        this.pixelCnn = pixelCnn;
        this.labels = labels;
        this.bitsPerDim = bitsPerDim;
        this.ratio = ratio;
    }

    @Override
    public List<PortSpec> inputs() {
        return List.of(PixelCnn.IMAGE);
    }

    @Override
    public List<PortSpec> outputs() {
        return List.of(PortSpec.of("score", DType.FLOAT64, "batch"));
    }

    @Override
    public String quantity() {
        return ratio ? "likelihood-ratio" : "negative-log-likelihood";
    }

    @Override
    public ScoreDirection direction() {
        return ScoreDirection.HIGHER_IS_MORE;
    }

    @Override
    public double[] score(Batch samples) {
        int rows = samples.rows();
        float[] x = PixelCnn.binarize(samples.column("image"));
        long[] label = new long[rows];
        for (int r = 0; r < rows; r++) {
            label[r] = labels.of(samples.meta(r));
        }
        double[] nll = nll(x, label, rows);
        if (ratio) {
            long[] none = new long[rows];
            Arrays.fill(none, pixelCnn.noClass);
            double[] all = nll(x, none, rows);
            for (int r = 0; r < rows; r++) {
                nll[r] -= all[r];
            }
        }
        if (bitsPerDim) {
            for (int r = 0; r < rows; r++) {
                nll[r] = nll[r] / PixelCnn.PIXELS / Math.log(2);
            }
        }
        return nll;
    }

    /** Nats per image under the given class indices. */
    private double[] nll(float[] x, long[] label, int rows) {
        double[] nll = new double[rows];
        try (BufferTensor in = BufferTensor.ofFloats(x, rows, 1, PixelCnn.SIDE, PixelCnn.SIDE);
                BufferTensor lt = PixelCnn.labelTensor(label);
                ModelOutputs out = pixelCnn.model.run(Map.of("x", in, "label", lt))) {
            float[] logits = out.get("logits").toFloatArray();
            for (int r = 0; r < rows; r++) {
                double sum = 0;
                for (int i = r * PixelCnn.PIXELS; i < (r + 1) * PixelCnn.PIXELS; i++) {
                    sum += PixelCnn.bernoulliNll(logits[i], x[i]);
                }
                nll[r] = sum;
            }
        }
        return nll;
    }

    static ScorerFactory factory() {
        return ScorerFactory.of(
                "pixelcnn-scorer",
                "exact negative log-likelihood of each image (binarized at 0.5) under the PixelCNN, in nats or bits-per-dim",
                List.of(
                        PixelCnn.MODEL,
                        PixelCnn.LABEL,
                        ParameterSpec.choice(
                                "unit", "nats", "nats (per image) or bits-per-dim", "nats", "bits-per-dim"),
                        ParameterSpec.choice(
                                "measure",
                                "nll",
                                "nll: -log p(x | label); ratio: -log p(x | label) + log p(x)" + " (needs a label)",
                                "nll",
                                "ratio")),
                (p, context) -> {
                    PixelCnn model = PixelCnn.load(p, context);
                    PixelCnn.Labels labels = PixelCnn.Labels.parse(p.getString("label"), model.noClass);
                    boolean ratio = p.getString("measure").equals("ratio");
                    if (ratio && !labels.conditional()) {
                        throw new InvalidParameterException(
                                "measure",
                                "measure: ratio compares a class with all classes; give label: row or a"
                                        + " class number");
                    }
                    return new PixelCnnScorer(model, labels, p.getString("unit").equals("bits-per-dim"), ratio);
                });
    }
}
