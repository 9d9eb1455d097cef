package io.genpipe.gan;

import io.genpipe.api.spi.GeneratorFactory;
import io.genpipe.api.spi.GenpipePlugin;
import io.genpipe.api.spi.ScorerFactory;
import java.util.List;

/** Registers the GAN family's components. */
public final class GanPlugin implements GenpipePlugin {

    @Override
    public List<GeneratorFactory> generators() {
        return List.of(GanGenerator.factory());
    }

    @Override
    public List<ScorerFactory> scorers() {
        return List.of(GanDiscriminator.factory());
    }
}
