package io.genpipe.vae;

import io.genpipe.api.spi.EncoderFactory;
import io.genpipe.api.spi.GeneratorFactory;
import io.genpipe.api.spi.GenpipePlugin;
import io.genpipe.api.spi.SamplerFactory;
import io.genpipe.api.spi.ScorerFactory;
import java.util.List;

/** Registers the VAE family's components. */
public final class VaePlugin implements GenpipePlugin {

    @Override
    public List<EncoderFactory> encoders() {
        return List.of(VaeEncoder.factory());
    }

    @Override
    public List<GeneratorFactory> generators() {
        return List.of(VaeDecoder.factory());
    }

    @Override
    public List<ScorerFactory> scorers() {
        return List.of(VaeAnomalyScorer.factory());
    }

    @Override
    public List<SamplerFactory> samplers() {
        return List.of(VaePrior.factory());
    }
}
