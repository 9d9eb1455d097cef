package io.genpipe.api.spi;

import java.util.List;

/**
 * The root of a plugin, found by {@link java.util.ServiceLoader}. It must have a public no-argument
 * constructor that does no work: models are loaded when a factory creates a component.
 */
public interface GenpipePlugin {

    default List<GeneratorFactory> generators() {
        return List.of();
    }

    default List<EncoderFactory> encoders() {
        return List.of();
    }

    default List<SamplerFactory> samplers() {
        return List.of();
    }

    default List<ScorerFactory> scorers() {
        return List.of();
    }
}
