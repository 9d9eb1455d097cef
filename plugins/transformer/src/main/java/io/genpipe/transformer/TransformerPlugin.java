package io.genpipe.transformer;

import io.genpipe.api.spi.EncoderFactory;
import io.genpipe.api.spi.GeneratorFactory;
import io.genpipe.api.spi.GenpipePlugin;
import io.genpipe.api.spi.ScorerFactory;
import java.util.List;

/** Registers the GPT's generator, sentence encoder and perplexity scorer. */
public final class TransformerPlugin implements GenpipePlugin {

    @Override
    public List<GeneratorFactory> generators() {
        return List.of(GptGenerator.factory());
    }

    @Override
    public List<EncoderFactory> encoders() {
        return List.of(GptEncoder.factory());
    }

    @Override
    public List<ScorerFactory> scorers() {
        return List.of(GptPerplexity.factory());
    }
}
