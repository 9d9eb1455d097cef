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
import java.nio.FloatBuffer;
import java.util.List;

/**
 * A latent prior: one {@code float32[dim]} draw per input row, written to one column. The input
 * batch needs no columns; its row metadata is carried over. Draws depend only on the random
 * source, so the same seed gives the same latents.
 */
public final class LatentPriorSampler implements Sampler {

    /** How one coordinate is drawn. */
    private interface Draw {
        float next(RandomSource random);
    }

    private static final ParameterSpec DIM = ParameterSpec.required("dim", ParameterType.INTEGER, "latent size");
    private static final ParameterSpec COLUMN =
            ParameterSpec.optional("column", ParameterType.STRING, "z", "name of the output column");

    private final String column;
    private final int dim;
    private final Draw draw;

    private LatentPriorSampler(String column, int dim, Draw draw) {
        if (dim <= 0) {
            throw new GenpipeException("dim must be a positive latent size, got " + dim);
        }
        this.column = column;
        this.dim = dim;
        this.draw = draw;
    }

    @Override
    public List<PortSpec> inputs() {
        return List.of();
    }

    @Override
    public List<PortSpec> outputs() {
        return List.of(PortSpec.of(column, DType.FLOAT32, "batch", dim));
    }

    @Override
    public Batch sample(Batch distribution, RandomSource random) {
        int rows = distribution.rows();
        BufferTensor z = BufferTensor.allocate(DType.FLOAT32, rows, dim);
        FloatBuffer data = z.floatBuffer();
        // each row draws from its own stream, forked by its id: a row's latent does not depend on
        // its neighbours or on how rows were batched
        for (int r = 0; r < rows; r++) {
            RandomSource row = random.fork(distribution.meta(r).id());
            for (int j = 0; j < dim; j++) {
                data.put(r * dim + j, draw.next(row));
            }
        }
        return Batch.builder(rows).column(column, z).meta(distribution.meta()).build();
    }

    static SamplerFactory gaussianFactory() {
        return SamplerFactory.of(
                "gaussian",
                "standard normal latents N(0, I)",
                List.of(DIM, COLUMN),
                (p, context) ->
                        new LatentPriorSampler(p.getString("column"), p.getInt("dim"), r -> (float) r.nextGaussian()));
    }

    static SamplerFactory truncatedGaussianFactory() {
        ParameterSpec threshold = ParameterSpec.optional(
                "threshold", ParameterType.NUMBER, "2.0", "each coordinate is redrawn until |z| <= threshold");
        return SamplerFactory.of(
                "truncated-gaussian",
                "standard normal latents truncated to [-threshold, threshold]",
                List.of(DIM, COLUMN, threshold),
                (p, context) -> {
                    double t = p.getDouble("threshold");
                    if (!(t > 0)) {
                        throw new GenpipeException("threshold must be > 0, got " + t);
                    }
                    return new LatentPriorSampler(p.getString("column"), p.getInt("dim"), r -> {
                        double v;
                        do {
                            v = r.nextGaussian();
                        } while (Math.abs(v) > t);
                        return (float) v;
                    });
                });
    }

    static SamplerFactory uniformFactory() {
        ParameterSpec low = ParameterSpec.optional("low", ParameterType.NUMBER, "-1.0", "lower bound (inclusive)");
        ParameterSpec high = ParameterSpec.optional("high", ParameterType.NUMBER, "1.0", "upper bound (exclusive)");
        return SamplerFactory.of(
                "uniform", "uniform latents in [low, high)", List.of(DIM, COLUMN, low, high), (p, context) -> {
                    double lo = p.getDouble("low");
                    double hi = p.getDouble("high");
                    if (!(hi > lo)) {
                        throw new GenpipeException("high must be greater than low, got low=" + lo + " high=" + hi);
                    }
                    return new LatentPriorSampler(
                            p.getString("column"), p.getInt("dim"), r -> (float) (lo + (hi - lo) * r.nextDouble()));
                });
    }
}
