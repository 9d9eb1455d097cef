package com.example.sharpness;

import io.genpipe.api.Role;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.testkit.Batches;
import io.genpipe.testkit.ComponentCase;
import io.genpipe.testkit.PluginConformance;
import io.genpipe.testkit.PluginUnderTest;
import io.genpipe.testkit.Tolerance;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The genpipe conformance suite over this plugin, loaded from its build output as a plugin jar in
 * its own class loader, plus one test of what the scorer computes.
 */
class SharpnessConformanceTest extends PluginConformance {

    @Override
    protected PluginUnderTest loadPlugin() {
        return PluginUnderTest.buildOutput();
    }

    @Override
    protected List<ComponentCase> cases() {
        // without an input, the suite feeds standard normal images of the declared shape
        return List.of(ComponentCase.of("example-sharpness"),
                ComponentCase.of("example-sharpness").with("measure", "std"));
    }

    @Test
    void scoresAreTheVarianceOfTheLaplacian() {
        try (Batch images = Batches.gaussian("image", 5, 28 * 28, 11)) {
            float[] flat = images.column("image").toFloatArray();
            try (Batch shaped = Batch.builder(5).meta(images.meta())
                    .column("image", io.genpipe.api.data.BufferTensor.ofFloats(flat, 5, 1, 28, 28)).build()) {
                Scorer scorer = plugin().create(Role.SCORER, "example-sharpness", Map.of());
                Tolerance.assertClose(laplacianVariance(flat, 5), scorer.score(shaped), 1e-4, "sharpness");
            }
        }
    }

    /** The same measure in plain Java: 3x3 Laplacian without padding, variance over the 26x26 result. */
    static double[] laplacianVariance(float[] images, int rows) {
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            int base = r * 28 * 28;
            double sum = 0;
            double sq = 0;
            int n = 0;
            for (int y = 1; y < 27; y++) {
                for (int x = 1; x < 27; x++) {
                    double l = images[base + (y - 1) * 28 + x] + images[base + (y + 1) * 28 + x]
                            + images[base + y * 28 + x - 1] + images[base + y * 28 + x + 1] - 4 * images[base + y * 28 + x];
                    sum += l;
                    sq += l * l;
                    n++;
                }
            }
            double mean = sum / n;
            out[r] = sq / n - mean * mean;
        }
        return out;
    }
}
