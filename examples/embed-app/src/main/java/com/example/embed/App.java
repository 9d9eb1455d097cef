package com.example.embed;

import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.Pipeline;
import io.genpipe.runtime.io.Datasets;
import io.genpipe.runtime.pipeline.Problem;
import io.genpipe.runtime.pipeline.RunResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Embeds genpipe: scores images with a component called by name, then runs a pipeline file.
 *
 * <pre>
 * java -cp target/embed-app-1.0.0.jar:$(cat target/classpath.txt) com.example.embed.App \
 *     IMAGES.idx.gz LABELS.idx.gz OUT_FOLDER
 * </pre>
 */
public final class App {

    private App() {}

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: App IMAGES.idx.gz LABELS.idx.gz OUT_FOLDER");
            System.exit(2);
        }
        Path images = Path.of(args[0]);
        Path labels = Path.of(args[1]);
        try (Genpipe genpipe = Genpipe.builder().seed(1).build()) {
            // 1. a component by name, on data turned into a Batch by the data API
            Scorer vae = genpipe.scorer("vae-anomaly-scorer", Map.of("method", "combined"));
            try (Batch batch = Datasets.idx(images, labels, 200)) {
                double[] scores = vae.score(batch); // one per row, higher = more anomalous
                List<Integer> order = new ArrayList<>();
                for (int r = 0; r < batch.rows(); r++) {
                    order.add(r);
                }
                order.sort(Comparator.comparingDouble((Integer r) -> scores[r]).reversed());
                System.out.println("scored " + batch.rows() + " images; most anomalous:");
                for (int r : order.subList(0, 5)) {
                    RowMeta m = batch.meta(r);
                    System.out.printf(Locale.ROOT, "  %s class %d score %.4f%n", m.id(), m.label(), scores[r]);
                }
            }
            // 2. a pipeline file, with the application's overrides
            Pipeline pipeline = genpipe.pipeline(Path.of("pipeline.yaml"))
                    .set("test.images", images.toAbsolutePath().toString())
                    .set("test.labels", labels.toAbsolutePath().toString());
            List<Problem> problems = pipeline.validate();
            if (!problems.isEmpty()) {
                problems.forEach(System.err::println);
                System.exit(2);
            }
            RunResult result = pipeline.run(Path.of(args[2]));
            System.out.println("pipeline wrote " + result.outputFolder() + ": flagged " + result.metrics().get("flagged"));
        }
    }
}
