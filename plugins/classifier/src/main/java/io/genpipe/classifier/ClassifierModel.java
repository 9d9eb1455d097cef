package io.genpipe.classifier;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.ModelOutputs;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.api.spi.PluginContext;
import java.util.List;
import java.util.Map;

/** The classifier graph (shipped or the user's), its port check, and softmax. */
final class ClassifierModel {

    static final PortSpec IMAGE = PortSpec.of("image", DType.FLOAT32, "batch", 1, 28, 28);
    static final ParameterSpec MODEL = ParameterSpec.optional(
            "model",
            ParameterType.PATH,
            null,
            "your own classifier .onnx (image float32[batch,1,28,28] -> logits [batch,K], features [batch,F])");

    final Model model;
    final int classes;
    final int features;

    private ClassifierModel(Model model, int classes, int features) {
        this.model = model;
        this.classes = classes;
        this.features = features;
    }

    /** The shipped CNN. */
    static final String CNN = "io/genpipe/classifier/models/fmnist-cnn.onnx";

    /** The shipped Vision Transformer (4x4 patches, class token; plugins/classifier/train/train_vit.py). */
    static final String VIT = "io/genpipe/classifier/models/vit.onnx";

    static ClassifierModel load(Parameters p, PluginContext context) {
        return load(p, context, CNN);
    }

    /** The user's {@code model:} or the shipped graph {@code shipped}, its ports checked. */
    static ClassifierModel load(Parameters p, PluginContext context, String shipped) {
        Model model = p.findPath("model").map(context::loadModel).orElseGet(() -> context.loadModel(shipped));
        int k = fixed(model.outputs(), "logits");
        int f = fixed(model.outputs(), "features");
        model.requirePorts(
                List.of(IMAGE),
                List.of(
                        PortSpec.of("logits", DType.FLOAT32, "batch", k > 0 ? k : "K"),
                        PortSpec.of("features", DType.FLOAT32, "batch", f > 0 ? f : "F")));
        if (k <= 0 || f <= 0) {
            throw new GenpipeException("model " + model.name() + " does not fit: outputs 'logits' and 'features' need"
                    + " fixed sizes, found " + model.outputs());
        }
        return new ClassifierModel(model, k, f);
    }

    private static int fixed(List<PortSpec> ports, String name) {
        for (PortSpec p : ports) {
            if (p.name().equals(name) && p.rank() == 2 && p.shape().get(1).isFixed()) {
                return (int) p.shape().get(1).size();
            }
        }
        return -1;
    }

    /** Runs the graph; the caller owns the outputs. */
    ModelOutputs run(Tensor image) {
        return model.run(Map.of("image", image));
    }

    /** Row-wise softmax of logits [rows, classes], numerically stable. */
    static float[] softmax(float[] logits, int classes) {
        float[] p = new float[logits.length];
        for (int r = 0; r < logits.length / classes; r++) {
            int base = r * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                max = Math.max(max, logits[base + j]);
            }
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                sum += Math.exp(logits[base + j] - max);
            }
            for (int j = 0; j < classes; j++) {
                p[base + j] = (float) (Math.exp(logits[base + j] - max) / sum);
            }
        }
        return p;
    }
}
