package io.genpipe.gan;

import io.genpipe.api.ScoreDirection;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.ModelOutputs;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.ScorerFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The discriminator's realism: its probability that an image (of the row's class) is real; higher
 * is more realistic. Rows need labels unless {@code label} is set or the model is unconditional.
 */
final class GanDiscriminator implements Scorer {

    private final Model model;
    private final boolean conditional;
    private final Labels labels;

    private GanDiscriminator(Model model, Labels labels) {
        model.requirePorts(List.of(GanGenerator.IMAGE), List.of(PortSpec.of("realism", DType.FLOAT32, "batch")));
        this.model = model;
        this.conditional = Labels.conditional(model);
        this.labels = labels;
    }

    @Override
    public List<PortSpec> inputs() {
        return List.of(GanGenerator.IMAGE);
    }

    @Override
    public List<PortSpec> outputs() {
        return List.of(PortSpec.of("score", DType.FLOAT64, "batch"));
    }

    @Override
    public String quantity() {
        return "realism";
    }

    @Override
    public ScoreDirection direction() {
        return ScoreDirection.HIGHER_IS_MORE;
    }

    @Override
    public double[] score(Batch samples) {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("image", samples.column("image"));
        BufferTensor labelTensor = conditional ? Labels.tensor(labels.resolve(samples, null)) : null;
        if (labelTensor != null) {
            in.put("label", labelTensor);
        }
        try (ModelOutputs out = model.run(in)) {
            float[] realism = out.get("realism").toFloatArray();
            double[] scores = new double[realism.length];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = realism[i];
            }
            return scores;
        } finally {
            if (labelTensor != null) {
                labelTensor.close();
            }
        }
    }

    static ScorerFactory factory() {
        return ScorerFactory.of(
                "gan-discriminator",
                "DCGAN discriminator realism: probability an image of its class is real",
                List.of(
                        ParameterSpec.optional(
                                "discriminator",
                                ParameterType.PATH,
                                null,
                                "your own discriminator .onnx (image (+ label) -> realism float32[batch])"),
                        Labels.PARAMETER),
                (p, context) -> new GanDiscriminator(
                        p.findPath("discriminator")
                                .map(context::loadModel)
                                .orElseGet(() -> context.loadModel("io/genpipe/gan/models/cdcgan-discriminator.onnx")),
                        Labels.from(p)));
    }
}
