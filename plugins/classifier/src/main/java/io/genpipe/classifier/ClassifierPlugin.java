package io.genpipe.classifier;

import io.genpipe.api.spi.EncoderFactory;
import io.genpipe.api.spi.GenpipePlugin;
import io.genpipe.api.spi.ScorerFactory;
import java.util.List;

/** Registers the classifier's components. */
public final class ClassifierPlugin implements GenpipePlugin {

    @Override
    public List<EncoderFactory> encoders() {
        return List.of(ClassifierEncoder.factory(), ClassifierEncoder.vit());
    }

    @Override
    public List<ScorerFactory> scorers() {
        return List.of(ClassifierConfidence.factory(), ClassifierConfidence.vit());
    }
}
