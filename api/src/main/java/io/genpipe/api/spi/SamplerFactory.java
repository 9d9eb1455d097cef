package io.genpipe.api.spi;

import io.genpipe.api.Sampler;
import io.genpipe.api.Role;

/** Builds {@link Sampler}s. */
public interface SamplerFactory extends ComponentFactory<Sampler> {

    @Override
    default Role role() {
        return Role.SAMPLER;
    }
}
