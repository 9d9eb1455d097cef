package io.genpipe.vae;

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
 * The VAE's latent prior N(0, I), with the latent size read from the decoder so a pipeline need not
 * state it; {@code truncation: t} redraws each coordinate until |z| &lt;= t.
 */
final class VaePrior implements Sampler {

    private final int latent;
    private final double truncation;

    private VaePrior(int latent, double truncation) {
        this.latent = latent;
        this.truncation = truncation;
    }

    @Override
    public List<PortSpec> inputs() {
        return List.of();
    }

    @Override
    public List<PortSpec> outputs() {
        return List.of(PortSpec.of("z", DType.FLOAT32, "batch", latent));
    }

    @Override
    public Batch sample(Batch distribution, RandomSource random) {
        int rows = distribution.rows();
        BufferTensor z = BufferTensor.allocate(DType.FLOAT32, rows, latent);
        FloatBuffer data = z.floatBuffer();
        for (int r = 0; r < rows; r++) {
            RandomSource row = random.fork(distribution.meta(r).id()); // a row's draws are its own
            for (int j = 0; j < latent; j++) {
                double v;
                do {
                    v = row.nextGaussian();
                } while (truncation > 0 && Math.abs(v) > truncation);
                data.put(r * latent + j, (float) v);
            }
        }
        return Batch.builder(rows).meta(distribution.meta()).column("z", z).build();
    }

    static SamplerFactory factory() {
        return SamplerFactory.of(
                "vae-prior",
                "latent prior N(0, I) sized for the VAE's decoder, optionally truncated",
                VaeModels.parametersWith(ParameterSpec.optional(
                        "truncation",
                        ParameterType.NUMBER,
                        "0",
                        "redraw coordinates with |z| above this (0: no truncation)")),
                (p, context) -> {
                    double t = p.getDouble("truncation");
                    if (t < 0) {
                        throw new GenpipeException("truncation must be >= 0 (0 for none), got " + t);
                    }
                    return new VaePrior(VaeModels.load(p, context, false, true).latent, t);
                });
    }
}
