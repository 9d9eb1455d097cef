package io.genpipe.autoregressive;

import io.genpipe.api.spi.GeneratorFactory;
import io.genpipe.api.spi.GenpipePlugin;
import io.genpipe.api.spi.ScorerFactory;
import java.util.List;

/** Registers the character LSTM and PixelCNN components. */
public final class AutoregressivePlugin implements GenpipePlugin {

    @Override
    public List<GeneratorFactory> generators() {
        return List.of(CharLstmGenerator.factory(), PixelCnnGenerator.factory());
    }

    @Override
    public List<ScorerFactory> scorers() {
        return List.of(CharLstmScorer.factory(), PixelCnnScorer.factory());
    }
}
