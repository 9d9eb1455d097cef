package io.genpipe.runtime.builtin;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.Sampler;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.SamplerFactory;
import java.util.List;

/**
 * A walk between two Gaussian latents, one per seed: the rows of each batch go from the {@code from}
 * latent (first row) to the {@code to} latent (last row) in equal steps, by linear ({@code lerp}) or
 * spherical ({@code slerp}) interpolation. Slerp keeps the norm typical of Gaussian latents, so the
 * middle of the walk does not collapse towards the origin.
 */
final class LatentWalkSampler implements Sampler {

    private final String column;
    private final float[] from;
    private final float[] to;
    private final boolean spherical;

    private LatentWalkSampler(String column, int dim, long fromSeed, long toSeed, boolean spherical) {
        if (dim <= 0) {
            throw new GenpipeException("dim must be a positive latent size, got " + dim);
        }
        this.column = column;
        this.from = gaussian(fromSeed, dim);
        this.to = gaussian(toSeed, dim);
        this.spherical = spherical;
    }

    private static float[] gaussian(long seed, int dim) {
        RandomSource r = new RandomSource(seed);
        float[] z = new float[dim];
        for (int i = 0; i < dim; i++) {
            z[i] = (float) r.nextGaussian();
        }
        return z;
    }

    @Override
    public List<PortSpec> inputs() {
        return List.of();
    }

    @Override
    public List<PortSpec> outputs() {
        return List.of(PortSpec.of(column, DType.FLOAT32, "batch", from.length));
    }

    @Override
    public Batch sample(Batch distribution, RandomSource random) {
        int rows = distribution.rows();
        int dim = from.length;
        float[] out = new float[rows * dim];
        for (int r = 0; r < rows; r++) {
            double t = rows == 1 ? 0 : (double) r / (rows - 1);
            float[] z = interpolate(from, to, t, spherical);
            System.arraycopy(z, 0, out, r * dim, dim);
        }
        return Batch.builder(rows)
                .meta(distribution.meta())
                .column(column, BufferTensor.ofFloats(out, rows, dim))
                .build();
    }

    /** lerp, or slerp on the angle between a and b (falling back to lerp when they are parallel). */
    static float[] interpolate(float[] a, float[] b, double t, boolean spherical) {
        float[] z = new float[a.length];
        double wa = 1 - t;
        double wb = t;
        if (spherical) {
            double dot = 0;
            double na = 0;
            double nb = 0;
            for (int i = 0; i < a.length; i++) {
                dot += a[i] * b[i];
                na += a[i] * a[i];
                nb += b[i] * b[i];
            }
            double omega = Math.acos(Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb))));
            if (Math.sin(omega) > 1e-6) {
                wa = Math.sin((1 - t) * omega) / Math.sin(omega);
                wb = Math.sin(t * omega) / Math.sin(omega);
            }
        }
        for (int i = 0; i < a.length; i++) {
            z[i] = (float) (wa * a[i] + wb * b[i]);
        }
        return z;
    }

    static SamplerFactory factory() {
        return SamplerFactory.of(
                "latent-walk",
                "a lerp or slerp walk between the Gaussian latents of two seeds, across the rows of each batch",
                List.of(
                        ParameterSpec.required("dim", ParameterType.INTEGER, "latent size"),
                        ParameterSpec.optional("from", ParameterType.INTEGER, "0", "seed of the first latent"),
                        ParameterSpec.optional("to", ParameterType.INTEGER, "1", "seed of the last latent"),
                        ParameterSpec.choice("mode", "slerp", "interpolation", "lerp", "slerp"),
                        ParameterSpec.optional("column", ParameterType.STRING, "z", "name of the output column")),
                (p, context) -> new LatentWalkSampler(
                        p.getString("column"),
                        p.getInt("dim"),
                        p.getLong("from"),
                        p.getLong("to"),
                        p.getString("mode").equals("slerp")));
    }
}
