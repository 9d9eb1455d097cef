package io.genpipe.gan;

import io.genpipe.api.data.Batch;
import io.genpipe.testkit.Batches;
import io.genpipe.testkit.ComponentCase;
import io.genpipe.testkit.PluginConformance;
import io.genpipe.testkit.PluginUnderTest;
import java.nio.file.Path;
import java.util.List;

/** The plugin kit's conformance suite over the GAN plugin, loaded from its jar in a plugins folder. */
class GanConformanceTest extends PluginConformance {

    private static final Path DATA = Path.of(System.getProperty("genpipe.repo.root"), "data", "fashion-mnist");

    @Override
    protected PluginUnderTest loadPlugin() {
        return PluginUnderTest.buildOutput();
    }

    @Override
    protected List<ComponentCase> cases() {
        return List.of(
                ComponentCase.of("gan-generator"),
                ComponentCase.of("gan-generator").with("label", 3).invalid("label", 10),
                ComponentCase.of("gan-discriminator")
                        .input(GanConformanceTest::images)
                        .invalid("label", -1));
    }

    static Batch images() {
        return Batches.fromIdx(DATA.resolve("t10k-images-idx3-ubyte.gz"), DATA.resolve("t10k-labels-idx1-ubyte.gz"), 6);
    }
}
