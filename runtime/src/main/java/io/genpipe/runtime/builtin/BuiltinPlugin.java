package io.genpipe.runtime.builtin;

import io.genpipe.api.spi.EncoderFactory;
import io.genpipe.api.spi.GenpipePlugin;
import io.genpipe.api.spi.SamplerFactory;
import java.util.List;

/** The runtime's own components, loaded like any class-path plugin. */
public final class BuiltinPlugin implements GenpipePlugin {

    @Override
    public List<SamplerFactory> samplers() {
        return List.of(
                LatentPriorSampler.gaussianFactory(),
                LatentPriorSampler.truncatedGaussianFactory(),
                LatentPriorSampler.uniformFactory(),
                LatentWalkSampler.factory());
    }

    @Override
    public List<EncoderFactory> encoders() {
        return List.of(OnnxModelEncoder.factory());
    }
}
