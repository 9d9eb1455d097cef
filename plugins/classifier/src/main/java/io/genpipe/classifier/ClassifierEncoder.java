package io.genpipe.classifier;

import io.genpipe.api.Encoder;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.EncoderFactory;
import io.genpipe.api.spi.ModelOutputs;
import java.util.List;

/**
 * Image &rarr; {@code features} (penultimate layer, float32[batch,F]), {@code probs} (softmax,
 * float32[batch,K]) and {@code predicted} (the most probable class, int64[batch]).
 */
final class ClassifierEncoder implements Encoder {

    private final ClassifierModel classifier;

    private ClassifierEncoder(ClassifierModel classifier) {
        this.classifier = classifier;
    }

    @Override
    public List<PortSpec> inputs() {
        return List.of(ClassifierModel.IMAGE);
    }

    @Override
    public List<PortSpec> outputs() {
        return List.of(
                PortSpec.of("features", DType.FLOAT32, "batch", classifier.features),
                PortSpec.of("probs", DType.FLOAT32, "batch", classifier.classes),
                PortSpec.of("predicted", DType.INT64, "batch"));
    }

    @Override
    public Batch encode(Batch samples) {
        int rows = samples.rows();
        int k = classifier.classes;
        try (ModelOutputs out = classifier.run(samples.column("image"))) {
            float[] probs = ClassifierModel.softmax(out.get("logits").toFloatArray(), k);
            long[] predicted = new long[rows];
            for (int r = 0; r < rows; r++) {
                int best = 0;
                for (int j = 1; j < k; j++) {
                    if (probs[r * k + j] > probs[r * k + best]) {
                        best = j;
                    }
                }
                predicted[r] = best;
            }
            Batch.Builder b = Batch.builder(rows).meta(samples.meta());
            b.column("features", out.get("features"));
            out.take("features");
            return b.column("probs", BufferTensor.ofFloats(probs, rows, k))
                    .column("predicted", BufferTensor.ofLongs(predicted, rows))
                    .build();
        }
    }

    static EncoderFactory factory() {
        return EncoderFactory.of(
                "classifier",
                "Fashion-MNIST CNN: image -> features, class probabilities, predicted class",
                List.of(ClassifierModel.MODEL),
                (p, context) -> new ClassifierEncoder(ClassifierModel.load(p, context, ClassifierModel.CNN)));
    }

    /** The same encoder over the Vision Transformer: features are its class token's final LayerNorm. */
    static EncoderFactory vit() {
        return EncoderFactory.of(
                "vit-encoder",
                "Fashion-MNIST Vision Transformer: image -> class-token features, class probabilities, predicted class",
                List.of(ClassifierModel.MODEL),
                (p, context) -> new ClassifierEncoder(ClassifierModel.load(p, context, ClassifierModel.VIT)));
    }
}
