package io.genpipe.autoregressive;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.InvalidParameterException;
import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.api.spi.PluginContext;
import java.util.List;

/** The PixelCNN graph (shipped or the user's), its port check, binarization and class choice. */
final class PixelCnn {

    static final String SHIPPED = "io/genpipe/autoregressive/models/pixelcnn.onnx";
    static final int SIDE = 28;
    static final int PIXELS = SIDE * SIDE;
    static final PortSpec IMAGE = PortSpec.of("image", DType.FLOAT32, "batch", 1, SIDE, SIDE);
    static final ParameterSpec MODEL = ParameterSpec.optional(
            "model",
            ParameterType.PATH,
            null,
            "your own PixelCNN .onnx (x float32[batch,1,28,28] of 0/1, label int64[batch] -> logits float32[batch,1,28,28])");
    static final ParameterSpec LABEL = ParameterSpec.optional(
            "label",
            ParameterType.STRING,
            "none",
            "class to condition on: none (unconditional), row (each row's label; rows without one unconditional),"
                    + " or a class number 0..9");

    final Model model;
    final int noClass;

    private PixelCnn(Model model, int noClass) {
        this.model = model;
        this.noClass = noClass;
    }

    static PixelCnn load(Parameters p, PluginContext context) {
        Model model = p.findPath("model").map(context::loadModel).orElseGet(() -> context.loadModel(SHIPPED));
        model.requirePorts(
                List.of(
                        PortSpec.of("x", DType.FLOAT32, "batch", 1, SIDE, SIDE),
                        PortSpec.of("label", DType.INT64, "batch")),
                List.of(PortSpec.of("logits", DType.FLOAT32, "batch", 1, SIDE, SIDE)));
        String nc = model.metadata().getOrDefault("genpipe.no_class", "10");
        try {
            return new PixelCnn(model, Integer.parseInt(nc));
        } catch (NumberFormatException e) {
            throw new GenpipeException(
                    "model " + model.name() + ": metadata genpipe.no_class must be a class index, found '" + nc + "'");
        }
    }

    /** How rows choose the class they are conditioned on. */
    static final class Labels {
        private final Integer fixed;
        private final boolean fromRow;
        private final int noClass;

        private Labels(Integer fixed, boolean fromRow, int noClass) {
            this.fixed = fixed;
            this.fromRow = fromRow;
            this.noClass = noClass;
        }

        static Labels parse(String value, int noClass) {
            switch (value) {
                case "none" -> {
                    return new Labels(null, false, noClass);
                }
                case "row" -> {
                    return new Labels(null, true, noClass);
                }
                default -> {
                    try {
                        int k = Integer.parseInt(value.trim());
                        if (k >= 0 && k < noClass) {
                            return new Labels(k, false, noClass);
                        }
                    } catch (NumberFormatException e) {
                        // reported below
                    }
                    throw new InvalidParameterException(
                            "label",
                            "label must be none, row or a class number 0.." + (noClass - 1) + ", found '" + value
                                    + "'");
                }
            }
        }

        /** The class index fed to the graph for this row ({@code noClass}: unconditional). */
        int of(RowMeta row) {
            if (fixed != null) {
                return fixed;
            }
            if (fromRow && row.label() != null) {
                if (row.label() < 0 || row.label() >= noClass) {
                    throw new GenpipeException("row " + row.id() + " has label " + row.label()
                            + "; the PixelCNN knows classes 0.." + (noClass - 1));
                }
                return row.label();
            }
            return noClass;
        }

        boolean conditional() {
            return fixed != null || fromRow;
        }
    }

    static BufferTensor labelTensor(long[] labels) {
        return BufferTensor.ofLongs(labels, labels.length);
    }

    /** Pixels of an image column, binarized at 0.5 as in training: float[rows * 784] of 0/1. */
    static float[] binarize(Tensor image) {
        float[] x = image.toFloatArray();
        for (int i = 0; i < x.length; i++) {
            x[i] = x[i] >= 0.5f ? 1f : 0f;
        }
        return x;
    }

    /** -log p(x) in nats from one pixel's logit l: softplus(l) - x * l, computed stably. */
    static double bernoulliNll(float logit, float x) {
        double l = logit;
        return Math.max(l, 0) - x * l + Math.log1p(Math.exp(-Math.abs(l)));
    }
}
