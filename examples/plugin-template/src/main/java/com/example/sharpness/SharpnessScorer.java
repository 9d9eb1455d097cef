package com.example.sharpness;

import io.genpipe.api.ScoreDirection;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.ModelOutputs;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.api.spi.PluginContext;
import io.genpipe.api.spi.ScorerFactory;
import java.util.List;
import java.util.Map;

/**
 * {@code example-sharpness}: how sharp each image is, as the variance of its Laplacian (higher is
 * sharper), computed by the ONNX graph shipped in this jar.
 */
final class SharpnessScorer implements Scorer {

    static final String MODEL = "com/example/sharpness/laplacian.onnx";
    static final PortSpec IMAGE = PortSpec.of("image", DType.FLOAT32, "batch", 1, 28, 28);

    private final Model model;
    private final boolean std;

    private SharpnessScorer(Model model, boolean std) {
        this.model = model;
        this.std = std;
    }

    @Override
    public List<PortSpec> inputs() {
        return List.of(IMAGE);
    }

    @Override
    public List<PortSpec> outputs() {
        return List.of(PortSpec.of("score", DType.FLOAT64, "batch"));
    }

    @Override
    public String quantity() {
        return "sharpness";
    }

    @Override
    public ScoreDirection direction() {
        return ScoreDirection.HIGHER_IS_MORE;
    }

    @Override
    public double[] score(Batch samples) {
        // the outputs are native values this call owns: try-with-resources closes them
        try (ModelOutputs out = model.run(Map.of("image", samples.column("image")))) {
            float[] variance = out.get("sharpness").toFloatArray();
            double[] scores = new double[variance.length];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = std ? Math.sqrt(variance[i]) : variance[i];
            }
            return scores;
        }
    }

    /** Builds the scorer; the model belongs to the runtime, so the scorer has nothing to close. */
    static final class Factory implements ScorerFactory {

        @Override
        public String name() {
            return "example-sharpness";
        }

        @Override
        public String description() {
            return "sharpness of each image: variance (or standard deviation) of its Laplacian, higher is sharper";
        }

        @Override
        public List<ParameterSpec> parameters() {
            return List.of(ParameterSpec.choice("measure", "variance", "variance of the Laplacian, or its std",
                    "variance", "std"));
        }

        @Override
        public Scorer create(Parameters parameters, PluginContext context) {
            Model model = context.loadModel(MODEL);
            model.requirePorts(List.of(IMAGE), List.of(PortSpec.of("sharpness", DType.FLOAT32, "batch")));
            return new SharpnessScorer(model, parameters.getString("measure").equals("std"));
        }
    }
}
