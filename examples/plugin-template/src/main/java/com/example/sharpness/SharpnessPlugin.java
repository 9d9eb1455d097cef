package com.example.sharpness;

import io.genpipe.api.spi.GenpipePlugin;
import io.genpipe.api.spi.ScorerFactory;
import java.util.List;

/** The plugin class named in META-INF/services: it only hands out factories, and does no work. */
public final class SharpnessPlugin implements GenpipePlugin {

    @Override
    public List<ScorerFactory> scorers() {
        return List.of(new SharpnessScorer.Factory());
    }
}
