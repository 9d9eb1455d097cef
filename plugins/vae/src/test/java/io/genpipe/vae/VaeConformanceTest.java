package io.genpipe.vae;

import io.genpipe.api.data.Batch;
import io.genpipe.testkit.Batches;
import io.genpipe.testkit.ComponentCase;
import io.genpipe.testkit.PluginConformance;
import io.genpipe.testkit.PluginUnderTest;
import java.nio.file.Path;
import java.util.List;

/** The plugin kit's conformance suite over the VAE plugin, loaded from its jar in a plugins folder. */
class VaeConformanceTest extends PluginConformance {

    private static final Path DATA = Path.of(System.getProperty("genpipe.repo.root"), "data", "fashion-mnist");

    @Override
    protected PluginUnderTest loadPlugin() {
        return PluginUnderTest.buildOutput();
    }

    @Override
    protected List<ComponentCase> cases() {
        return List.of(
                ComponentCase.of("vae-decoder"),
                ComponentCase.of("vae-decoder")
                        .with("variant", "one-class")
                        .with("class", 7)
                        .invalid("class", 10),
                ComponentCase.of("vae-encoder").with("sample", true).input(VaeConformanceTest::images),
                ComponentCase.of("vae-prior").with("truncation", 1.5),
                ComponentCase.of("vae-anomaly-scorer").input(VaeConformanceTest::images),
                ComponentCase.of("vae-anomaly-scorer")
                        .with("method", "iwae")
                        .with("samples", 4)
                        .input(VaeConformanceTest::images),
                ComponentCase.of("vae-anomaly-scorer")
                        .with("method", "mahalanobis")
                        .input(VaeConformanceTest::images));
    }

    static Batch images() {
        return Batches.fromIdx(DATA.resolve("t10k-images-idx3-ubyte.gz"), DATA.resolve("t10k-labels-idx1-ubyte.gz"), 6);
    }
}
