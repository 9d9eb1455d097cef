package io.genpipe.e2e.bench;

import io.genpipe.api.Generator;
import io.genpipe.api.RandomSource;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.io.IdxFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * PixelCNN speed, one run, 2 intra-op threads: sampling (784 graph passes per batch, one pixel of
 * every image fixed per pass) at batch 1, 16 and 64, class-conditional; and exact-likelihood scoring
 * of the 10,000 test images (one pass per batch of 250). Best of 2 passes after a warm-up. Also
 * draws 100 class-conditional samples (column c = class c, seed 0) into docs/pixelcnn-samples.png.
 *
 * <pre>./mvnw -B -q -Pbench -pl src/test -am verify -DskipTests -Dbench=PixelCnnSpeedBench</pre>
 */
public final class PixelCnnSpeedBench {

    public static void main(String[] args) {
        try (Genpipe genpipe = Genpipe.builder().threads(2, 1).build()) {
            Generator g = genpipe.generator("pixelcnn-generator", Map.of("label", "row"));
            System.out.printf(Locale.ROOT, "%-36s %10s %10s%n", "", "images/s", "seconds");
            for (int batch : new int[] {1, 16, 64}) {
                double best = Double.MAX_VALUE;
                for (int pass = 0; pass <= 2; pass++) {
                    List<RowMeta> meta = new ArrayList<>();
                    for (int i = 0; i < batch; i++) {
                        meta.add(RowMeta.of("s-" + i).withLabel(i % 10));
                    }
                    long start = System.nanoTime();
                    try (Batch in = Batch.builder(batch).meta(meta).build(); Batch out = g.generate(in, new RandomSource(pass))) {
                        out.column("image");
                    }
                    if (pass > 0) {
                        best = Math.min(best, (System.nanoTime() - start) / 1e9);
                    }
                }
                System.out.printf(Locale.ROOT, "%-36s %10.2f %10.3f%n", "sampling, batch " + batch, batch / best, best);
            }
            List<RowMeta> hundred = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                hundred.add(RowMeta.of("grid-" + i).withLabel(i % 10));
            }
            try (Batch in = Batch.builder(100).meta(hundred).build(); Batch out = g.generate(in, new RandomSource(0))) {
                io.genpipe.runtime.image.ImageGrid.write(List.of(out.column("image")), 10, 2, Path.of("docs/pixelcnn-samples.png"));
            }
            IdxFile images = IdxFile.read(Path.of("data/fashion-mnist/t10k-images-idx3-ubyte.gz"));
            int[] labels = IdxFile.read(Path.of("data/fashion-mnist/t10k-labels-idx1-ubyte.gz")).toLabels();
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
                    try (Batch in = Batch.builder(250).column("image", images.toImages(from, from + 250)).meta(meta).build()) {
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
            System.out.printf(Locale.ROOT, "%-36s %10.0f %10.3f%n", "exact NLL scoring, batch 250", images.count() / best, best);
            System.out.printf(Locale.ROOT, "test NLL, conditioned on the true class: %.2f nats/image = %.4f bits/dim%n",
                    mean, mean / 784 / Math.log(2));
        }
    }
}
