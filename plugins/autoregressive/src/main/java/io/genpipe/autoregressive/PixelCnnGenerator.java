package io.genpipe.autoregressive;

import io.genpipe.api.Generator;
import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.GeneratorFactory;
import io.genpipe.api.spi.InvalidParameterException;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Draws binary 28&times;28 images pixel by pixel in raster order, each pixel of every image in the
 * batch fixed from its Bernoulli probability: with {@code state: cache} (default) by the one-pixel
 * step graph over cached layer inputs ({@link PixelCnnStep}), with {@code state: recompute} by 784
 * passes of the full graph over the whole image. Rows conditioned
 * on a class get that label in their metadata. Input rows only supply ids and labels.
 * {@code temperature} divides each logit before the draw (1: the model's own distribution).
 */
final class PixelCnnGenerator implements Generator {

    private final PixelCnn pixelCnn;
    private final PixelCnnStep step;
    private final int noClass;
    private final PixelCnn.Labels labels;
    private final double temperature;

    private PixelCnnGenerator(PixelCnn pixelCnn, PixelCnnStep step, PixelCnn.Labels labels, double temperature) {
        this.pixelCnn = pixelCnn;
        this.step = step;
        this.noClass = step != null ? step.noClass : pixelCnn.noClass;
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
            meta.add(label[r] == noClass ? m : m.withLabel((int) label[r]));
        }
        if (step != null) {
            float[] image = new float[rows * PixelCnn.PIXELS];
            step.sample(image, label, randoms, temperature);
            BufferTensor canvas = BufferTensor.ofFloats(image, rows, 1, PixelCnn.SIDE, PixelCnn.SIDE);
            return Batch.builder(rows).meta(meta).column("image", canvas).build();
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
        return GeneratorFactory.of(
                "pixelcnn-generator",
                "binary Fashion-MNIST-like images drawn pixel by pixel by the PixelCNN, optionally of a class",
                List.of(
                        PixelCnn.MODEL,
                        PixelCnn.LABEL,
                        ParameterSpec.optional(
                                "temperature",
                                ParameterType.NUMBER,
                                "1.0",
                                "divides each pixel's logit: below 1 gives cleaner, less varied images (must be > 0)"),
                        PixelCnnStep.STATE,
                        PixelCnnStep.STEP_MODEL),
                (p, context) -> {
                    double t = p.getDouble("temperature");
                    if (!(t > 0) || Double.isInfinite(t)) {
                        throw new InvalidParameterException(
                                "temperature", "temperature must be a number > 0, found " + t);
                    }
                    boolean cached = p.getString("state").equals("cache");
                    PixelCnn full = !cached || p.findPath("model").isPresent() ? PixelCnn.load(p, context) : null;
                    PixelCnnStep step = cached ? PixelCnnStep.load(p, context, full == null ? null : full.model) : null;
                    int noClass = step != null ? step.noClass : full.noClass;
                    return new PixelCnnGenerator(
                            cached ? null : full, step, PixelCnn.Labels.parse(p.getString("label"), noClass), t);
                });
    }
}
