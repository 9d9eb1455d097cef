package io.genpipe.wavenet;

import io.genpipe.api.spi.GeneratorFactory;
import io.genpipe.api.spi.GenpipePlugin;
import io.genpipe.api.spi.ScorerFactory;
import java.util.List;

/** Registers the WaveNet generator and scorer. */
public final class WaveNetPlugin implements GenpipePlugin {

    @Override
    public List<GeneratorFactory> generators() {
        return List.of(WaveNetGenerator.factory());
    }

    @Override
    public List<ScorerFactory> scorers() {
        return List.of(WaveNetScorer.factory());
    }
}
