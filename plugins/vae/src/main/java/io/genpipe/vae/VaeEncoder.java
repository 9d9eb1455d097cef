package io.genpipe.vae;

import io.genpipe.api.Encoder;
import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.EncoderFactory;
import io.genpipe.api.spi.ModelOutputs;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The VAE posterior: {@code image} &rarr; {@code mu}, {@code logvar} (native tensors, straight from
 * the graph) and, with {@code sample: true}, {@code z = mu + exp(logvar / 2) * eps}. The draw for a
 * row depends on the run's seed and the row's id only, so batching does not change it.
 */
final class VaeEncoder implements Encoder {

    private final VaeModels models;
    private final boolean sample;
    private final RandomSource random;

    private VaeEncoder(VaeModels models, boolean sample, RandomSource random) {
        this.models = models;
        this.sample = sample;
        this.random = random;
    }

    @Override
    public List<PortSpec> inputs() {
        return List.of(VaeModels.IMAGE_PORT);
    }

    @Override
    public List<PortSpec> outputs() {
        List<PortSpec> out = new ArrayList<>();
        out.add(PortSpec.of("mu", DType.FLOAT32, "batch", models.latent));
        out.add(PortSpec.of("logvar", DType.FLOAT32, "batch", models.latent));
        if (sample) {
            out.add(PortSpec.of("z", DType.FLOAT32, "batch", models.latent));
        }
        return out;
    }

    @Override
    public Batch encode(Batch samples) {
        try (ModelOutputs out = models.encoder.run(Map.of(VaeModels.IMAGE, samples.column(VaeModels.IMAGE)))) {
            Batch.Builder result = Batch.builder(samples.rows()).meta(samples.meta());
            Tensor mu = out.get("mu");
            Tensor logvar = out.get("logvar");
            BufferTensor z = sample ? reparameterize(mu.toFloatArray(), logvar.toFloatArray(), samples) : null;
            result.column("mu", out.take("mu")).column("logvar", out.take("logvar"));
            if (z != null) {
                result.column("z", z);
            }
            return result.build();
        }
    }

    private BufferTensor reparameterize(float[] mu, float[] logvar, Batch samples) {
        int l = models.latent;
        float[] z = new float[mu.length];
        for (int r = 0; r < samples.rows(); r++) {
            RandomSource rowRandom = random.fork(samples.meta(r).id());
            for (int j = 0; j < l; j++) {
                int k = r * l + j;
                z[k] = (float) (mu[k] + Math.exp(0.5 * logvar[k]) * rowRandom.nextGaussian());
            }
        }
        return BufferTensor.ofFloats(z, samples.rows(), l);
    }

    static EncoderFactory factory() {
        return EncoderFactory.of(
                "vae-encoder",
                "VAE posterior: image -> mu, logvar (and a sampled z)",
                VaeModels.parametersWith(ParameterSpec.optional(
                        "sample",
                        ParameterType.BOOLEAN,
                        "false",
                        "also output z drawn from the posterior (seeded per row id)")),
                (p, context) -> new VaeEncoder(
                        VaeModels.load(p, context, true, false),
                        p.getBoolean("sample"),
                        context.random("vae-encoder")));
    }
}
