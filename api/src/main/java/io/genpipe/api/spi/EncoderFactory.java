package io.genpipe.api.spi;

import io.genpipe.api.Encoder;
import io.genpipe.api.Role;

/** Builds {@link Encoder}s. */
public interface EncoderFactory extends ComponentFactory<Encoder> {

    @Override
    default Role role() {
        return Role.ENCODER;
    }
}
