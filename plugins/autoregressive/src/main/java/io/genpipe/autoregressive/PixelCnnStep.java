package io.genpipe.autoregressive;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.InvalidParameterException;
import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.api.spi.PluginContext;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Cached PixelCNN sampling: the one-pixel step graph ({@code pixelcnn-step.onnx}, made from the full
 * graph's weights by {@code train/export_pixelcnn_step.py}) computes every layer at pixel p alone,
 * from the 24 input pixels the first layer's type-A mask lets through and, for each of the six blocks,
 * its input at the four earlier neighbours its type-B mask lets through. Those block inputs are kept
 * here, two image rows per block, written back from the graph's {@code h} output after each pixel.
 * One pixel costs a few matrix products instead of seven 28&times;28 convolutions; the draws are the
 * same as the full graph's (one uniform per row and pixel, in raster order), so the same seed gives
 * the same image wherever the two graphs' float rounding does not move a logit across a draw.
 */
final class PixelCnnStep {

    static final String SHIPPED = "io/genpipe/autoregressive/models/pixelcnn-step.onnx";
    static final int BLOCKS = 6;
    static final int CHANNELS = 64;
    static final int WINDOW = 24;
    static final int CONTEXT = 4;
    static final ParameterSpec STEP_MODEL = ParameterSpec.optional(
            "stepModel",
            ParameterType.PATH,
            null,
            "the one-pixel step graph of your own model: (x_window float32[batch,24], label int64[batch], context float32[batch,6,4,64]"
                    + " -> logit float32[batch,1], h float32[batch,6,64]); made by train/export_pixelcnn_step.py --model");
    static final ParameterSpec STATE = ParameterSpec.choice(
            "state",
            "cache",
            "cache (default: the step graph computes each pixel alone from cached layer inputs) or recompute"
                    + " (the full graph over the whole image for every pixel, for comparison)",
            "cache",
            "recompute");

    private static final int SIDE = PixelCnn.SIDE;

    final Model model;
    final int noClass;

    private PixelCnnStep(Model model, int noClass) {
        this.model = model;
        this.noClass = noClass;
    }

    /**
     * The shipped step graph, or {@code stepModel:}; with your own {@code model:} the step graph must
     * be given too and must have been made from that model ({@code genpipe.full_model_sha256}).
     */
    static PixelCnnStep load(Parameters p, PluginContext context, Model full) {
        Model step;
        if (p.findPath("stepModel").isPresent()) {
            step = context.loadModel(p.findPath("stepModel").get());
        } else if (full != null) {
            throw new InvalidParameterException(
                    "stepModel",
                    "with your own model:, state: cache needs stepModel: (its step graph,"
                            + " made by train/export_pixelcnn_step.py --model YOUR.onnx); or set state: recompute");
        } else {
            step = context.loadModel(SHIPPED);
        }
        step.requirePorts(
                List.of(
                        PortSpec.of("x_window", DType.FLOAT32, "batch", WINDOW),
                        PortSpec.of("label", DType.INT64, "batch"),
                        PortSpec.of("context", DType.FLOAT32, "batch", BLOCKS, CONTEXT, CHANNELS)),
                List.of(
                        PortSpec.of("logit", DType.FLOAT32, "batch", 1),
                        PortSpec.of("h", DType.FLOAT32, "batch", BLOCKS, CHANNELS)));
        if (full != null) {
            String madeFrom = step.metadata().get("genpipe.full_model_sha256");
            if (!full.sha256().equals(madeFrom)) {
                throw new GenpipeException("step model " + step.name() + " was made from a model of sha256 "
                        + (madeFrom == null ? "(not recorded: no genpipe.full_model_sha256 in its metadata)" : madeFrom)
                        + ", not from model " + full.name() + " (" + full.sha256()
                        + "); make it with train/export_pixelcnn_step.py --model "
                        + full.name());
            }
        }
        String nc = step.metadata().getOrDefault("genpipe.no_class", "10");
        try {
            return new PixelCnnStep(step, Integer.parseInt(nc));
        } catch (NumberFormatException e) {
            throw new GenpipeException(
                    "model " + step.name() + ": metadata genpipe.no_class must be a class index, found '" + nc + "'");
        }
    }

    /** A step graph already loaded (tests). */
    static PixelCnnStep of(Model step, int noClass) {
        return new PixelCnnStep(step, noClass);
    }

    /** What becomes of pixel {@code pixel} of image {@code row}, given its logit. */
    interface PixelChoice {
        float choose(int row, int pixel, float logit);
    }

    /**
     * Draws {@code rows} images pixel by pixel into {@code image} (float[rows * 784] of 0/1), row r
     * conditioned on {@code label[r]} and drawing from {@code randoms[r]}.
     */
    void sample(float[] image, long[] label, RandomSource[] randoms, double temperature) {
        walk(image, label, (r, pixel, logit) -> {
            double p = 1 / (1 + Math.exp(-logit / temperature));
            return randoms[r].nextDouble() < p ? 1f : 0f;
        });
    }

    /**
     * Visits every pixel of {@code rows} images in raster order, writing into {@code image} what
     * {@code choice} makes of each pixel's logit (a draw, or the pixel already there when the
     * logits of a given image are wanted).
     */
    void walk(float[] image, long[] label, PixelChoice choice) {
        int rows = label.length;
        int rowStride = 2 * SIDE * CHANNELS; // one block's two cached image rows
        int imageStride = BLOCKS * rowStride; // everything cached for one image
        float[] cache = new float[rows * imageStride];
        float[] window = new float[rows * WINDOW];
        float[] context = new float[rows * BLOCKS * CONTEXT * CHANNELS];
        float[] logits = new float[rows];
        float[] h = new float[rows * BLOCKS * CHANNELS];
        try (BufferTensor xw = BufferTensor.allocate(DType.FLOAT32, rows, WINDOW);
                BufferTensor ctx = BufferTensor.allocate(DType.FLOAT32, rows, BLOCKS, CONTEXT, CHANNELS);
                BufferTensor lt = PixelCnn.labelTensor(label);
                BufferTensor out = BufferTensor.allocate(DType.FLOAT32, rows, 1);
                BufferTensor hOut = BufferTensor.allocate(DType.FLOAT32, rows, BLOCKS, CHANNELS)) {
            FloatBuffer xwb = xw.floatBuffer();
            FloatBuffer ctxb = ctx.floatBuffer();
            FloatBuffer outb = out.floatBuffer();
            FloatBuffer hb = hOut.floatBuffer();
            Map<String, BufferTensor> inputs = Map.of("x_window", xw, "label", lt, "context", ctx);
            Map<String, BufferTensor> outputs = Map.of("logit", out, "h", hOut);
            for (int i = 0; i < SIDE; i++) {
                int slot = i & 1;
                int above = slot ^ 1;
                for (int j = 0; j < SIDE; j++) {
                    for (int r = 0; r < rows; r++) {
                        gatherWindow(image, r * PixelCnn.PIXELS, i, j, window, r * WINDOW);
                        for (int l = 0; l < BLOCKS; l++) {
                            int block = r * imageStride + l * rowStride;
                            int to = ((r * BLOCKS) + l) * CONTEXT * CHANNELS;
                            copyOrZero(cache, block + above * SIDE * CHANNELS, i > 0, j - 1, context, to);
                            copyOrZero(cache, block + above * SIDE * CHANNELS, i > 0, j, context, to + CHANNELS);
                            copyOrZero(
                                    cache, block + above * SIDE * CHANNELS, i > 0, j + 1, context, to + 2 * CHANNELS);
                            copyOrZero(cache, block + slot * SIDE * CHANNELS, true, j - 1, context, to + 3 * CHANNELS);
                        }
                    }
                    xwb.put(0, window);
                    ctxb.put(0, context);
                    model.runInto(inputs, outputs);
                    outb.get(0, logits);
                    hb.get(0, h);
                    for (int r = 0; r < rows; r++) {
                        for (int l = 0; l < BLOCKS; l++) {
                            System.arraycopy(
                                    h,
                                    (r * BLOCKS + l) * CHANNELS,
                                    cache,
                                    r * imageStride + l * rowStride + (slot * SIDE + j) * CHANNELS,
                                    CHANNELS);
                        }
                        int pixel = i * SIDE + j;
                        image[r * PixelCnn.PIXELS + pixel] = choice.choose(r, pixel, logits[r]);
                    }
                }
            }
        }
    }

    /** The 24 pixels the 7&times;7 type-A mask sees at (i, j): rows i-3..i-1, cols j-3..j+3, then row i, cols j-3..j-1. */
    static void gatherWindow(float[] image, int base, int i, int j, float[] window, int to) {
        int k = to;
        for (int y = i - 3; y <= i; y++) {
            int last = y < i ? j + 3 : j - 1;
            for (int x = j - 3; x <= last; x++) {
                window[k++] = y >= 0 && x >= 0 && x < SIDE ? image[base + y * SIDE + x] : 0f;
            }
        }
    }

    /** One cached position's 64 channels (zeros outside the image). */
    private static void copyOrZero(float[] cache, int rowBase, boolean rowInside, int col, float[] context, int to) {
        if (rowInside && col >= 0 && col < SIDE) {
            System.arraycopy(cache, rowBase + col * CHANNELS, context, to, CHANNELS);
        } else {
            Arrays.fill(context, to, to + CHANNELS, 0f);
        }
    }
}
