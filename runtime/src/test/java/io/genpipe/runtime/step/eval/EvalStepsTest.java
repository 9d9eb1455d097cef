package io.genpipe.runtime.step.eval;

import static io.genpipe.runtime.step.StepHarness.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.eval.Auroc;
import io.genpipe.runtime.step.StepHarness;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every evaluation step on batches whose right answer is known by hand. */
class EvalStepsTest {

    static final List<String> COVERS = List.of("auroc", "accuracy", "frechet-distance", "novelty");

    @TempDir
    Path dir;

    private static Batch withColumn(Batch b, String name, BufferTensor t) {
        return b.extend().column(name, t).build();
    }

    @Test
    void aurocRanksEachScoreColumnAgainstItsNormalClass() throws Exception {
        // labels 0,1,0,1; score column s0 (normal 0): anomalies (label 1) score 0.9 and 0.2, normals 0.1 and 0.5
        // pairs anomaly > normal: (0.9 > 0.1, 0.9 > 0.5, 0.2 > 0.1) = 3 of 4
        // s1 (normal 1): anomalies (label 0) score -0.1, -0.5 against normals -0.9, -0.2: 3 of 4 pairs
        Batch b = withColumn(
                withColumn(
                        rows("a", 0, 4, 2, null), "s0", BufferTensor.ofDoubles(new double[] {0.1, 0.9, 0.5, 0.2}, 4)),
                "s1",
                BufferTensor.ofDoubles(new double[] {-0.1, -0.9, -0.5, -0.2}, 4));
        try (StepHarness.Result r = StepHarness.of(
                        AurocEval.definition(),
                        Map.of("scores", List.of("s0", "s1"), "normal", List.of("0", "1"), "plot", true),
                        dir)
                .run(List.of(b))) {
            assertEquals(Map.of("0", 0.75, "1", 0.75, "mean", 0.75), r.metrics().get("auroc"));
            // the curve plotted is the one whose area is the AUROC: (0,0) (0,.5) (.5,.5) (.5,1) (1,1) for s0
            double[] curve =
                    Auroc.curve(new double[] {0.1, 0.9, 0.5, 0.2}, new boolean[] {false, true, false, true}, 400);
            double area = 0;
            for (int k = 2; k < curve.length; k += 2) {
                area += (curve[k] - curve[k - 2]) * (curve[k + 1] + curve[k - 1]) / 2;
            }
            assertEquals(0.75, area, 1e-12);
            BufferedImage roc = ImageIO.read(dir.resolve("s-roc.png").toFile());
            assertEquals(720, roc.getWidth());
            assertEquals(420, roc.getHeight());
            // the two curves coincide here (the same ranks), one drawn over the other: together they are far longer
            // than the legend's swatches, and each colour is there
            int red = pixels(roc, new Color(0xFF, 0x55, 0x55));
            int blue = pixels(roc, new Color(0x55, 0x55, 0xFF));
            assertTrue(red + blue > 300, red + " + " + blue + " curve pixels");
            assertTrue(red > 10 && blue > 10, red + " and " + blue);
        }
    }

    private static int pixels(BufferedImage image, Color colour) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                n += image.getRGB(x, y) == colour.getRGB() ? 1 : 0;
            }
        }
        return n;
    }

    @Test
    void accuracyCountsRightPredictionsPerClassWithTheConfusion() throws Exception {
        Batch b = withColumn(rows("a", 0, 4, 2, null), "predicted", BufferTensor.ofLongs(new long[] {0, 1, 1, 1}, 4));
        try (StepHarness.Result r =
                StepHarness.of(AccuracyEval.definition(), Map.of(), dir).run(List.of(b))) {
            assertEquals(0.75, r.metrics().get("accuracy"));
            assertEquals(Map.of("0", 0.5, "1", 1.0), r.metrics().get("accuracyPerClass"));
        }
    }

    private static Batch gaussian(String prefix, int n, int d, double shift, long seed) {
        RandomSource random = new RandomSource(seed);
        float[] f = new float[n * d];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) (random.nextGaussian() + shift);
        }
        List<RowMeta> meta = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            meta.add(RowMeta.of(prefix + "-" + i));
        }
        return Batch.builder(n)
                .column("features", BufferTensor.ofFloats(f, n, d))
                .meta(meta)
                .build();
    }

    @Test
    void frechetDistanceOfTwoGaussiansIsTheSquaredMeanShift() throws Exception {
        // N(0, I) against N(2, I) in 3 dimensions: |mu1 - mu2|^2 = 12, equal covariances add nothing
        try (StepHarness.Result r = StepHarness.of(FrechetDistanceEval.definition(), Map.of(), dir)
                .run(List.of(gaussian("a", 3000, 3, 0, 1)), List.of(gaussian("b", 3000, 3, 2, 2)))) {
            assertEquals(12.0, (Double) r.metrics().get("fdClf"), 0.3);
        }
    }

    @Test
    void noveltyScoresQueriesFarFromTheReferenceHigher() throws Exception {
        Batch near = gaussian("near", 50, 2, 0, 4);
        Batch far = gaussian("far", 50, 2, 6, 5);
        try (StepHarness.Result r = StepHarness.of(NoveltyEval.definition(), Map.of("column", "features"), dir)
                .run(List.of(gaussian("ref", 500, 2, 0, 3)), List.of(near, far))) {
            double nearMean = 0;
            double farMean = 0;
            for (RowMeta m : r.rows()) {
                if (m.id().startsWith("near")) {
                    nearMean += m.score() / 50;
                } else {
                    farMean += m.score() / 50;
                }
            }
            assertTrue(farMean > 5 * nearMean, "near " + nearMean + ", far " + farMean);
            assertEquals(500, ((Map<?, ?>) r.metrics().get("s")).get("referenceRows"));
            assertEquals(100, r.rows().size());
        }
    }
}
