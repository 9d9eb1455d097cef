package io.genpipe.e2e.bench;

import io.genpipe.api.Encoder;
import io.genpipe.api.Generator;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.eval.Auroc;
import io.genpipe.runtime.image.ImageGrid;
import io.genpipe.runtime.io.IdxFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One-class anomaly detection on the Fashion-MNIST test split with the shipped VAEs, computed by
 * genpipe: for each class c, score all 10,000 test images with the class-c model and take the
 * AUROC of "not c" (anomaly) against c, for every scoring method. Also reports the MLP VAE's mean
 * BCE of decode(encode(x)) and writes docs/vae-reconstructions.png (originals over reconstructions).
 *
 * <pre>./mvnw -B -q -Pbench -pl src/test -am verify -DskipTests -Dbench=VaeOneClassBench</pre>
 */
public final class VaeOneClassBench {

    private static final String[] CLASSES = {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
    };
    private static final String[] METHODS = {"combined", "reconstruction", "mahalanobis", "elbo"};
    private static final int BATCH = 500;

    public static void main(String[] args) throws IOException {
        Path data = Path.of("data/fashion-mnist");
        IdxFile images = IdxFile.read(data.resolve("t10k-images-idx3-ubyte.gz"));
        int[] labels = IdxFile.read(data.resolve("t10k-labels-idx1-ubyte.gz")).toLabels();
        int n = labels.length;
        List<Batch> batches = new ArrayList<>();
        for (int from = 0; from < n; from += BATCH) {
            int to = Math.min(n, from + BATCH);
            List<RowMeta> meta = new ArrayList<>();
            for (int i = from; i < to; i++) {
                meta.add(RowMeta.of("test-" + i).withLabel(labels[i]));
            }
            batches.add(Batch.builder(to - from)
                    .column("image", images.toImages(from, to))
                    .meta(meta)
                    .build());
        }
        Map<String, double[]> auroc = new LinkedHashMap<>();
        long start = System.nanoTime();
        try (Genpipe genpipe = Genpipe.builder().build()) {
            for (String method : METHODS) {
                double[] perClass = new double[10];
                for (int c = 0; c < 10; c++) {
                    Scorer scorer = genpipe.scorer(
                            "vae-anomaly-scorer", Map.of("variant", "one-class", "class", c, "method", method));
                    double[] scores = new double[n];
                    int offset = 0;
                    for (Batch b : batches) {
                        double[] s = scorer.score(b);
                        System.arraycopy(s, 0, scores, offset, s.length);
                        offset += s.length;
                    }
                    boolean[] anomaly = new boolean[n];
                    for (int i = 0; i < n; i++) {
                        anomaly[i] = labels[i] != c;
                    }
                    perClass[c] = Auroc.compute(scores, anomaly);
                }
                auroc.put(method, perClass);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "%-12s", "class");
            for (String m : METHODS) {
                System.out.printf(Locale.ROOT, " %14s", m);
            }
            System.out.println();
            for (int c = 0; c < 10; c++) {
                System.out.printf(Locale.ROOT, "%d %-10s", c, CLASSES[c]);
                for (String m : METHODS) {
                    System.out.printf(Locale.ROOT, " %14.4f", auroc.get(m)[c]);
                }
                System.out.println();
            }
            System.out.printf(Locale.ROOT, "%-12s", "mean");
            for (String m : METHODS) {
                System.out.printf(
                        Locale.ROOT,
                        " %14.4f",
                        Arrays.stream(auroc.get(m)).average().orElseThrow());
            }
            System.out.printf(
                    Locale.ROOT,
                    "%n(%d methods x 10 classes x %d images scored in %.1f s)%n",
                    METHODS.length,
                    n,
                    seconds);

            // MLP VAE: mean BCE per image of decode(encode(x)) over the test split, and a picture
            Encoder encoder = genpipe.encoder("vae-encoder", Map.of());
            Generator decoder = genpipe.generator("vae-decoder", Map.of("input", "mu"));
            double bce = 0;
            for (Batch b : batches) {
                try (Batch enc = encoder.encode(b);
                        Batch dec = decoder.generate(enc, genpipe.random("unused"))) {
                    float[] x = b.column("image").toFloatArray();
                    float[] p = dec.column("image").toFloatArray();
                    for (int i = 0; i < x.length; i++) {
                        double q = Math.min(Math.max(p[i], 1e-7), 1 - 1e-7);
                        bce -= x[i] * Math.log(q) + (1 - x[i]) * Math.log(1 - q);
                    }
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "MLP VAE (784-400-20): mean BCE of decode(encode(x)) per test image: %.2f nats%n",
                    bce / n);
            float[] firstOfEach = new float[10 * 784];
            int[] index = new int[10];
            Arrays.fill(index, -1);
            for (int i = 0; i < n; i++) {
                if (index[labels[i]] < 0) {
                    index[labels[i]] = i;
                }
            }
            for (int c = 0; c < 10; c++) {
                try (BufferTensor one = images.toImages(index[c], index[c] + 1)) {
                    System.arraycopy(one.toFloatArray(), 0, firstOfEach, c * 784, 784);
                }
            }
            try (Batch originals = Batch.builder(10)
                            .column("image", BufferTensor.ofFloats(firstOfEach, 10, 1, 28, 28))
                            .build();
                    Batch enc = encoder.encode(originals);
                    Batch dec = decoder.generate(enc, genpipe.random("unused"))) {
                Path png = Path.of("docs/vae-reconstructions.png");
                ImageGrid.write(List.of(originals.column("image"), dec.column("image")), 10, 3, png);
                System.out.println(
                        "wrote " + png + " (top: first test image of each class; bottom: MLP VAE reconstruction)");
            }
        } finally {
            batches.forEach(Batch::close);
        }
        StringBuilder json = new StringBuilder("{\n");
        for (String m : METHODS) {
            double[] a = auroc.get(m);
            json.append("  \"")
                    .append(m)
                    .append("\": {\"mean\": ")
                    .append(String.format(
                            Locale.ROOT, "%.4f", Arrays.stream(a).average().orElseThrow()));
            for (int c = 0; c < 10; c++) {
                json.append(String.format(Locale.ROOT, ", \"%d\": %.4f", c, a[c]));
            }
            json.append(m.equals(METHODS[METHODS.length - 1]) ? "}\n" : "},\n");
        }
        Files.createDirectories(Path.of("src/test/target"));
        Files.writeString(
                Path.of("src/test/target/vae-one-class.json"),
                json.append("}\n").toString());
    }
}
