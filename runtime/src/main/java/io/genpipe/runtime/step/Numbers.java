package io.genpipe.runtime.step;

import io.genpipe.api.data.DType;
import io.genpipe.api.data.Tensor;
import java.util.Arrays;

/** Numbers steps report: one value per row from a column, and metrics rounded for run.json. */
public final class Numbers {

    private Numbers() {}

    /** A metric rounded to 6 decimals, as run.json records it. */
    public static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }

    /** One number per row: a [batch] or [batch,1] column of any numeric dtype, as doubles. */
    public static double[] doubles(Tensor t) {
        switch (t.dtype()) {
            case FLOAT64 -> {
                return t.toDoubleArray();
            }
            case FLOAT32 -> {
                float[] f = t.toFloatArray();
                double[] d = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    d[i] = f[i];
                }
                return d;
            }
            case INT64 -> {
                return Arrays.stream(t.toLongArray()).asDoubleStream().toArray();
            }
            case INT32 -> {
                return Arrays.stream(t.toIntArray()).asDoubleStream().toArray();
            }
            default -> {
                byte[] b = t.toByteArray();
                double[] d = new double[b.length];
                for (int i = 0; i < b.length; i++) {
                    d[i] = t.dtype() == DType.INT8 ? b[i] : b[i] & 0xFF;
                }
                return d;
            }
        }
    }
}
