package io.genpipe.autoregressive;

import io.genpipe.api.data.Batch;
import io.genpipe.testkit.Batches;
import io.genpipe.testkit.ComponentCase;
import io.genpipe.testkit.PluginConformance;
import io.genpipe.testkit.PluginUnderTest;
import java.nio.file.Path;
import java.util.List;

/** The plugin kit's conformance suite over the autoregressive plugin, loaded from its jar in a plugins folder. */
class AutoregressiveConformanceTest extends PluginConformance {

    private static final Path ROOT = Path.of(System.getProperty("genpipe.repo.root"));
    private static final Path DATA = ROOT.resolve("data").resolve("fashion-mnist");

    @Override
    protected PluginUnderTest loadPlugin() {
        return PluginUnderTest.buildOutput();
    }

    @Override
    protected List<ComponentCase> cases() {
        return List.of(
                ComponentCase.of("char-lstm-generator")
                        .with("maxTokens", 24)
                        .input(AutoregressiveConformanceTest::prompts)
                        .invalid("temperature", 0),
                ComponentCase.of("char-lstm-generator")
                        .with("maxTokens", 12)
                        .with("state", "recompute")
                        .with("sampling", "greedy")
                        .input(AutoregressiveConformanceTest::prompts),
                ComponentCase.of("char-lstm-scorer").input(AutoregressiveConformanceTest::prompts),
                ComponentCase.of("pixelcnn-generator")
                        .with("label", "3")
                        .rows(4)
                        .concurrency(2, 1)
                        .invalid("label", "eleven"),
                ComponentCase.of("pixelcnn-scorer").input(AutoregressiveConformanceTest::images),
                ComponentCase.of("pixelcnn-scorer")
                        .with("label", "row")
                        .with("measure", "ratio")
                        .input(AutoregressiveConformanceTest::images));
    }

    static Batch prompts() {
        return Batches.fromText(List.of("The ", "You will ", "Love is", "A man ", "Never ", "Why "));
    }

    static Batch images() {
        return Batches.fromIdx(DATA.resolve("t10k-images-idx3-ubyte.gz"), DATA.resolve("t10k-labels-idx1-ubyte.gz"), 6);
    }
}
