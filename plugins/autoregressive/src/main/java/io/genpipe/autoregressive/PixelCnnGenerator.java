package io.genpipe.autoregressive;

import io.genpipe.api.Generator;
import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.GeneratorFactory;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Draws binary 28&times;28 images pixel by pixel in raster order: 784 passes of the graph over the
 * whole batch, each fixing one pixel of every image from its Bernoulli probability. Rows conditioned
 * on a class get that label in their metadata. Input rows only supply ids and labels.
 * {@code temperature} divides each logit before the draw (1: the model's own distribution).
 */
final class PixelCnnGenerator implements Generator {

    private final PixelCnn pixelCnn;
    private final PixelCnn.Labels labels;
    private final double temperature;

    private PixelCnnGenerator(PixelCnn pixelCnn, PixelCnn.Labels labels, double temperature) {
        this.pixelCnn = pixelCnn;
        this.labels = labels;
        this.temperature = temperature;
    }

    @Override
    public List<PortSpec> inputs() {
        return List.of();
    }

    @Override
    public List<PortSpec> outputs() {
        return List.of(PixelCnn.IMAGE);
    }

    @Override
    public Batch generate(Batch conditions, RandomSource random) {
        int rows = conditions.rows();
        long[] label = new long[rows];
        RandomSource[] randoms = new RandomSource[rows];
        List<RowMeta> meta = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            RowMeta m = conditions.meta(r);
            label[r] = labels.of(m);
            randoms[r] = random.fork(m.id());
            meta.add(label[r] == pixelCnn.noClass ? m : m.withLabel((int) label[r]));
        }
        int side = PixelCnn.SIDE;
        BufferTensor canvas = BufferTensor.allocate(DType.FLOAT32, rows, 1, side, side);
        try (BufferTensor logits = BufferTensor.allocate(DType.FLOAT32, rows, 1, side, side);
             BufferTensor lt = PixelCnn.labelTensor(label)) {
            FloatBuffer x = canvas.floatBuffer();
            FloatBuffer l = logits.floatBuffer();
            for (int pixel = 0; pixel < PixelCnn.PIXELS; pixel++) {
                pixelCnn.model.runInto(Map.of("x", canvas, "label", lt), Map.of("logits", logits));
                for (int r = 0; r < rows; r++) {
                    int at = r * PixelCnn.PIXELS + pixel;
                    double p = 1 / (1 + Math.exp(-l.get(at) / temperature));
                    x.put(at, randoms[r].nextDouble() < p ? 1f : 0f);
                }
            }
        } catch (RuntimeException e) {
            canvas.close();
            throw e;
        }
        return Batch.builder(rows).meta(meta).column("image", canvas).build();
    }

    static GeneratorFactory factory() {
        return GeneratorFactory.of("pixelcnn-generator",
                "binary Fashion-MNIST-like images drawn pixel by pixel by the PixelCNN, optionally of a class",
                List.of(PixelCnn.MODEL, PixelCnn.LABEL, ParameterSpec.optional("temperature", ParameterType.NUMBER, "1.0",
                        "divides each pixel's logit: below 1 gives cleaner, less varied images (must be > 0)")),
                (p, context) -> {
                    double t = p.getDouble("temperature");
                    if (!(t > 0) || Double.isInfinite(t)) {
                        throw new io.genpipe.api.spi.InvalidParameterException("temperature", "temperature must be a number > 0, found " + t);
                    }
                    PixelCnn model = PixelCnn.load(p, context);
                    return new PixelCnnGenerator(model, PixelCnn.Labels.parse(p.getString("label"), model.noClass), t);
                });
    }
}
