package io.genpipe.classifier;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.ScoreDirection;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ModelOutputs;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ScorerFactory;
import java.util.List;

/**
 * The classifier's confidence per image: {@code of: predicted} scores the probability of the most
 * probable class; {@code of: label} the probability of the row's own label (rows must carry labels),
 * e.g. how surely a generated image shows the class it was asked for.
 */
final class ClassifierConfidence implements Scorer {

    private final ClassifierModel classifier;
    private final boolean ofLabel;

    private ClassifierConfidence(ClassifierModel classifier, boolean ofLabel) {
        this.classifier = classifier;
        this.ofLabel = ofLabel;
    }

    @Override
    public List<PortSpec> inputs() {
        return List.of(ClassifierModel.IMAGE);
    }

    @Override
    public List<PortSpec> outputs() {
        return List.of(PortSpec.of("score", DType.FLOAT64, "batch"));
    }

    @Override
    public String quantity() {
        return "confidence";
    }

    @Override
    public ScoreDirection direction() {
        return ScoreDirection.HIGHER_IS_MORE;
    }

    @Override
    public double[] score(Batch samples) {
        int k = classifier.classes;
        float[] probs;
        try (ModelOutputs out = classifier.run(samples.column("image"))) {
            probs = ClassifierModel.softmax(out.get("logits").toFloatArray(), k);
        }
        double[] scores = new double[samples.rows()];
        for (int r = 0; r < scores.length; r++) {
            if (ofLabel) {
                RowMeta m = samples.meta(r);
                if (m.label() == null || m.label() < 0 || m.label() >= k) {
                    throw new GenpipeException(
                            "row " + m.id() + " has " + (m.label() == null ? "no label" : "label " + m.label())
                                    + "; of: label needs labels 0.." + (k - 1));
                }
                scores[r] = probs[r * k + m.label()];
            } else {
                double max = 0;
                for (int j = 0; j < k; j++) {
                    max = Math.max(max, probs[r * k + j]);
                }
                scores[r] = max;
            }
        }
        return scores;
    }

    static ScorerFactory factory() {
        return factory(
                "classifier-confidence",
                "classifier probability of the predicted class (of: predicted) or of the row's label (of: label)",
                ClassifierModel.CNN);
    }

    /** The same score from the Vision Transformer. */
    static ScorerFactory vit() {
        return factory(
                "vit-classifier",
                "Vision Transformer probability of the predicted class (of: predicted) or of the row's label (of: label)",
                ClassifierModel.VIT);
    }

    private static ScorerFactory factory(String name, String description, String shipped) {
        return ScorerFactory.of(
                name,
                description,
                List.of(
                        ClassifierModel.MODEL,
                        ParameterSpec.choice(
                                "of",
                                "predicted",
                                "which class's probability: predicted or label",
                                "predicted",
                                "label")),
                (p, context) -> new ClassifierConfidence(
                        ClassifierModel.load(p, context, shipped),
                        p.getString("of").equals("label")));
    }
}
