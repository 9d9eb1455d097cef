package io.genpipe.transformer;

import io.genpipe.api.data.Batch;
import io.genpipe.testkit.Batches;
import io.genpipe.testkit.ComponentCase;
import io.genpipe.testkit.PluginConformance;
import io.genpipe.testkit.PluginUnderTest;
import java.util.List;

/** The plugin kit's conformance suite over the transformer plugin, loaded from its jar in a plugins folder. */
class TransformerConformanceTest extends PluginConformance {

    @Override
    protected PluginUnderTest loadPlugin() {
        return PluginUnderTest.buildOutput();
    }

    @Override
    protected List<ComponentCase> cases() {
        return List.of(
                ComponentCase.of("gpt-generator")
                        .with("maxTokens", 16)
                        .input(TransformerConformanceTest::prompts)
                        .invalid("temperature", -1),
                ComponentCase.of("gpt-generator")
                        .with("maxTokens", 8)
                        .with("cache", false)
                        .with("sampling", "greedy")
                        .input(TransformerConformanceTest::prompts),
                ComponentCase.of("gpt-encoder").input(TransformerConformanceTest::prompts),
                ComponentCase.of("gpt-perplexity").input(TransformerConformanceTest::prompts));
    }

    static Batch prompts() {
        return Batches.fromText(List.of("The ", "You will ", "Love is the", "A man ", "Never ", "Why do"));
    }
}
