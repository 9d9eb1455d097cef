package io.genpipe.runtime.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The tiny ONNX graphs under {@code fixtures/} (made by {@code fixtures/make_fixtures.py}) and
 * reference computations of what they compute.
 */
public final class Fixtures {

    /** Resource path of the affine graph: x[batch,4] -> y = tanh(x W + b), s = sum(y, 1). */
    public static final String AFFINE = "fixtures/affine.onnx";

    private Fixtures() {}

    public static byte[] affineBytes() {
        try (InputStream in = Fixtures.class.getClassLoader().getResourceAsStream(AFFINE)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + AFFINE + " is missing");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What affine.onnx's output y is for rows of 4 values. */
    public static float[] affineY(float[] x) {
        int rows = x.length / 4;
        float[] y = new float[x.length];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < 4; j++) {
                double acc = 0.01 * j;
                for (int i = 0; i < 4; i++) {
                    float w = (float) ((i + 1) * 0.1 - j * 0.05);
                    acc += x[r * 4 + i] * w;
                }
                y[r * 4 + j] = (float) Math.tanh(acc);
            }
        }
        return y;
    }
}
