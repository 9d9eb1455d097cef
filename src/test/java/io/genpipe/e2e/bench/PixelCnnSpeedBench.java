package io.genpipe.e2e.bench;

import io.genpipe.api.Generator;
import io.genpipe.api.RandomSource;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.image.ImageGrid;
import io.genpipe.runtime.io.IdxFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * PixelCNN speed, one run, 2 intra-op threads: sampling at batch 1, 16 and 64, class-conditional,
 * with the full graph rerun for every pixel ({@code state: recompute}, 784 passes over the whole
 * image) and with the one-pixel step graph over cached layer inputs ({@code state: cache}),
 * interleaved, each pair drawn from the same seed and compared image by image (best of 2 recompute
 * passes, 1 at batch 64, and of 10 cached passes per recompute pass); and exact-likelihood scoring
 * of the 10,000 test images (one pass per batch of 250). Best of 2 passes after a warm-up. Also
 * draws 100 class-conditional samples (column c = class c, seed 0) into docs/pixelcnn-samples.png.
 *
 * <pre>./mvnw -B -q -Pbench -pl src/test -am verify -DskipTests -Dbench=PixelCnnSpeedBench</pre>
 */
public final class PixelCnnSpeedBench {

    public static void main(String[] args) {
        try (Genpipe genpipe = Genpipe.builder().threads(2, 1).build()) {
            Generator cached = genpipe.generator("pixelcnn-generator", Map.of("label", "row"));
            Generator recompute = genpipe.generator("pixelcnn-generator", Map.of("label", "row", "state", "recompute"));
            System.out.printf(Locale.ROOT, "%-44s %10s %10s %10s%n", "", "images/s", "seconds", "speed-up");
            for (int batch : new int[] {1, 16, 64}) {
                double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
                float[][] images = new float[2][];
                // recompute passes are long: at batch 64 one timed pass each after the warm-up
                int passes = batch >= 64 ? 1 : 2;
                for (int pass = 0; pass <= passes; pass++) {
                    for (int which = 0; which < 2; which++) {
                        List<RowMeta> meta = new ArrayList<>();
                        for (int i = 0; i < batch; i++) {
                            meta.add(RowMeta.of("s-" + i).withLabel(i % 10));
                        }
                        Generator g = which == 0 ? recompute : cached;
                        // a cached pass is short (0.02 s at batch 1): ten of them per recompute pass
                        for (int repeat = 0; repeat < (which == 0 ? 1 : 10); repeat++) {
                            long start = System.nanoTime();
                            try (Batch in = Batch.builder(batch).meta(meta).build();
                                    Batch out = g.generate(in, new RandomSource(pass))) {
                                images[which] = out.column("image").toFloatArray();
                            }
                            if (pass > 0) {
                                best[which] = Math.min(best[which], (System.nanoTime() - start) / 1e9);
                            }
                        }
                    }
                    int differ = 0;
                    for (int i = 0; i < batch; i++) {
                        if (!Arrays.equals(images[0], i * 784, (i + 1) * 784, images[1], i * 784, (i + 1) * 784)) {
                            differ++;
                        }
                    }
                    if (differ > 0) {
                        System.out.printf(
                                Locale.ROOT,
                                "  batch %d, seed %d: %d of %d images differ between cache and recompute%n",
                                batch,
                                pass,
                                differ,
                                batch);
                    }
                }
                System.out.printf(
                        Locale.ROOT,
                        "%-44s %10.2f %10.3f%n",
                        "sampling, batch " + batch + ", recompute (784 passes)",
                        batch / best[0],
                        best[0]);
                System.out.printf(
                        Locale.ROOT,
                        "%-44s %10.2f %10.3f %9.1fx%n",
                        "sampling, batch " + batch + ", cache (step graph)",
                        batch / best[1],
                        best[1],
                        best[0] / best[1]);
            }
            Generator g = cached;
            List<RowMeta> hundred = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                hundred.add(RowMeta.of("grid-" + i).withLabel(i % 10));
            }
            try (Batch in = Batch.builder(100).meta(hundred).build();
                    Batch out = g.generate(in, new RandomSource(0))) {
                ImageGrid.write(List.of(out.column("image")), 10, 2, Path.of("docs/pixelcnn-samples.png"));
            }
            IdxFile images = IdxFile.read(Path.of("data/fashion-mnist/t10k-images-idx3-ubyte.gz"));
            int[] labels = IdxFile.read(Path.of("data/fashion-mnist/t10k-labels-idx1-ubyte.gz"))
                    .toLabels();
            Scorer s = genpipe.scorer("pixelcnn-scorer", Map.of("label", "row"));
            double best = Double.MAX_VALUE;
            double mean = 0;
            for (int pass = 0; pass <= 2; pass++) {
                long start = System.nanoTime();
                double sum = 0;
                for (int from = 0; from < images.count(); from += 250) {
                    List<RowMeta> meta = new ArrayList<>();
                    for (int i = from; i < from + 250; i++) {
                        meta.add(RowMeta.of("t-" + i).withLabel(labels[i]));
                    }
                    try (Batch in = Batch.builder(250)
                            .column("image", images.toImages(from, from + 250))
                            .meta(meta)
                            .build()) {
                        for (double v : s.score(in)) {
                            sum += v;
                        }
                    }
                }
                if (pass > 0) {
                    best = Math.min(best, (System.nanoTime() - start) / 1e9);
                }
                mean = sum / images.count();
            }
            System.out.printf(
                    Locale.ROOT, "%-36s %10.0f %10.3f%n", "exact NLL scoring, batch 250", images.count() / best, best);
            System.out.printf(
                    Locale.ROOT,
                    "test NLL, conditioned on the true class: %.2f nats/image = %.4f bits/dim%n",
                    mean,
                    mean / 784 / Math.log(2));
        }
    }
}
