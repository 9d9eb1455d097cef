package io.genpipe.api.spi;

import io.genpipe.api.Generator;
import io.genpipe.api.Role;

/** Builds {@link Generator}s. */
public interface GeneratorFactory extends ComponentFactory<Generator> {

    @Override
    default Role role() {
        return Role.GENERATOR;
    }
}
