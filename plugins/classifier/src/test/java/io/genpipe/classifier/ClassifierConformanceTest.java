package io.genpipe.classifier;

import io.genpipe.api.data.Batch;
import io.genpipe.testkit.Batches;
import io.genpipe.testkit.ComponentCase;
import io.genpipe.testkit.PluginConformance;
import io.genpipe.testkit.PluginUnderTest;
import java.nio.file.Path;
import java.util.List;

/** The plugin kit's conformance suite over the classifier plugin, loaded from its jar in a plugins folder. */
class ClassifierConformanceTest extends PluginConformance {

    private static final Path DATA = Path.of(System.getProperty("genpipe.repo.root"), "data", "fashion-mnist");

    @Override
    protected PluginUnderTest loadPlugin() {
        return PluginUnderTest.buildOutput();
    }

    @Override
    protected List<ComponentCase> cases() {
        return List.of(
                ComponentCase.of("classifier").input(ClassifierConformanceTest::images),
                ComponentCase.of("classifier-confidence").input(ClassifierConformanceTest::images),
                ComponentCase.of("classifier-confidence").with("of", "label").input(ClassifierConformanceTest::images),
                ComponentCase.of("vit-encoder").input(ClassifierConformanceTest::images),
                ComponentCase.of("vit-classifier").input(ClassifierConformanceTest::images),
                ComponentCase.of("vit-classifier").with("of", "label").input(ClassifierConformanceTest::images));
    }

    static Batch images() {
        return Batches.fromIdx(DATA.resolve("t10k-images-idx3-ubyte.gz"), DATA.resolve("t10k-labels-idx1-ubyte.gz"), 6);
    }
}
