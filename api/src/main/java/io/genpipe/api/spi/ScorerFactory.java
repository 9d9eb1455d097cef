package io.genpipe.api.spi;

import io.genpipe.api.Scorer;
import io.genpipe.api.Role;

/** Builds {@link Scorer}s. */
public interface ScorerFactory extends ComponentFactory<Scorer> {

    @Override
    default Role role() {
        return Role.SCORER;
    }
}
