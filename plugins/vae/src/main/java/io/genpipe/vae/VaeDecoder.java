package io.genpipe.vae;

import io.genpipe.api.Generator;
import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.GeneratorFactory;
import io.genpipe.api.spi.ModelOutputs;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import java.util.List;
import java.util.Map;

/**
 * The VAE decoder as a Generator: {@code z} &rarr; {@code image} (Bernoulli means in [0, 1]). Draw
 * {@code z} from {@code vae-prior} for new images, or take {@code mu} from {@code vae-encoder} for
 * reconstructions. Deterministic: the random source is not used.
 */
final class VaeDecoder implements Generator {

    private final VaeModels models;
    private final String input;

    private VaeDecoder(VaeModels models, String input) {
        this.models = models;
        this.input = input;
    }

    @Override
    public List<PortSpec> inputs() {
        return List.of(PortSpec.of(input, DType.FLOAT32, "batch", models.latent));
    }

    @Override
    public List<PortSpec> outputs() {
        return List.of(VaeModels.IMAGE_PORT);
    }

    @Override
    public Batch generate(Batch conditions, RandomSource random) {
        try (ModelOutputs out = models.decoder.run(Map.of("z", conditions.column(input)))) {
            return Batch.builder(conditions.rows())
                    .meta(conditions.meta())
                    .column(VaeModels.IMAGE, out.take(VaeModels.IMAGE))
                    .build();
        }
    }

    static GeneratorFactory factory() {
        return GeneratorFactory.of(
                "vae-decoder",
                "VAE decoder: z -> image",
                VaeModels.parametersWith(ParameterSpec.optional(
                        "input",
                        ParameterType.STRING,
                        "z",
                        "column holding the latents (z from vae-prior, mu from vae-encoder)")),
                (p, context) -> new VaeDecoder(VaeModels.load(p, context, false, true), p.getString("input")));
    }
}
