package io.genpipe.e2e.bench;

import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.pipeline.PipelineDefinition;
import io.genpipe.runtime.pipeline.PipelinePlan;
import io.genpipe.runtime.pipeline.PipelineReader;
import io.genpipe.runtime.pipeline.PipelineRunner;
import io.genpipe.runtime.pipeline.PipelineValidator;
import io.genpipe.runtime.pipeline.RunResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Memory of a streaming pipeline run as the data grows: vae-prior draws N latents, the MLP VAE's
 * decoder turns them into 28x28 images, a count step tallies them (N = 100,000, then 1,000,000:
 * 3.1 GB of images in the larger run). Resident memory is sampled while rows flow; with bounded
 * queues it should not depend on N.
 *
 * <pre>./mvnw -B -q -Pbench -pl src/test -am verify -DskipTests -Dbench=PipelineMemoryBench</pre>
 */
public final class PipelineMemoryBench {

    public static void main(String[] args) throws Exception {
        for (long n : new long[] {100_000, 1_000_000, 3_000_000}) {
            run(n);
        }
    }

    private static void run(long n) throws Exception {
        Path dir = Files.createTempDirectory("genpipe-memory");
        Path file = dir.resolve("memory.yaml");
        Files.writeString(
                file,
                "name: memory\nbatchSize: 500\nsteps:\n"
                        + "  - id: prior\n    use: vae-prior\n    with: {rows: " + n + "}\n"
                        + "  - id: decode\n    use: vae-decoder\n    inputs: [prior]\n"
                        + "  - id: images\n    use: count\n    inputs: [decode]\n    with: {metric: images}\n");
        PipelineDefinition d = new PipelineReader().read(file);
        AtomicLong peak = new AtomicLong();
        AtomicLong atTenth = new AtomicLong();
        try (Genpipe genpipe = Genpipe.builder().threads(1, 1).baseDir(dir).build()) {
            PipelinePlan plan = new PipelineValidator(genpipe).validate(d);
            long before = BenchSupport.rssKiB();
            long start = System.nanoTime();
            RunResult result = new PipelineRunner(genpipe, line -> {})
                    .progress((step, rows) -> {
                        if (step.equals("images")) {
                            long rss = BenchSupport.rssKiB();
                            peak.accumulateAndGet(rss, Math::max);
                            if (rows >= n / 10 && atTenth.get() == 0) {
                                atTenth.set(rss);
                            }
                        }
                    })
                    .run(plan, dir.resolve("out"));
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    Locale.ROOT,
                    "%,9d rows in %5.1f s (%,.0f rows/s): RSS before %.1f MiB, after 10%% of rows"
                            + " %.1f MiB, peak %.1f MiB, growth from 10%% to peak %.1f MiB; metrics %s%n",
                    n,
                    seconds,
                    n / seconds,
                    before / 1024.0,
                    atTenth.get() / 1024.0,
                    peak.get() / 1024.0,
                    (peak.get() - atTenth.get()) / 1024.0,
                    result.metrics());
        }
    }
}
