package io.genpipe.e2e.bench;

import io.genpipe.api.Encoder;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.ModelOutputs;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Native-memory benchmark: 100,000 small session runs through the runtime (the onnx-model encoder
 * on a 16-row batch, and a model run whose native output feeds a second run), reading resident
 * memory (VmRSS) after a warm-up and every 10,000 runs. Target: growth after warm-up under 50 MB.
 *
 * <pre>./mvnw -B -q -Pbench -pl src/test -am verify -DskipTests -Dbench=NativeMemoryBench</pre>
 */
public final class NativeMemoryBench {

    private static final int WARMUP = 10_000;
    private static final int RUNS = 100_000;
    private static final int ROWS = 16;
    private static final int CONTROL_RUNS = 50_000;

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("genpipe-bench");
        Path model = dir.resolve("affine.onnx");
        Files.write(model, Fixtures.affineBytes());
        float[] x = new float[ROWS * 4];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 7) * 0.1f - 0.3f;
        }
        try (Genpipe genpipe = Genpipe.builder().threads(1, 1).build();
                BufferTensor input = BufferTensor.ofFloats(x, ROWS, 4)) {
            Encoder encoder = genpipe.encoder("onnx-model", Map.of("model", model.toString()));
            Model direct = genpipe.model(model);
            Runnable oneStep = () -> {
                try (Batch in = Batch.builder(ROWS).borrow("x", input).build();
                        Batch out = encoder.encode(in)) {
                    out.column("s").toFloatArray();
                }
                try (ModelOutputs first = direct.run(Map.of("x", input));
                        ModelOutputs second = direct.run(Map.of("x", first.get("y")))) {
                    second.get("s").toFloatArray();
                }
            };
            for (int i = 0; i < WARMUP; i++) {
                oneStep.run();
            }
            System.gc();
            long base = BenchSupport.rssKiB();
            long start = System.nanoTime();
            System.out.printf("runs-after-warmup  rss-MiB  growth-MiB  live-native-values%n");
            System.out.printf(
                    "%17d  %7.1f  %10.1f  %18d%n",
                    0, base / 1024.0, 0.0, genpipe.onnx().liveNativeValues());
            long peak = base;
            for (int i = 1; i <= RUNS; i++) {
                oneStep.run();
                if (i % 10_000 == 0) {
                    long rss = BenchSupport.rssKiB();
                    peak = Math.max(peak, rss);
                    System.out.printf(
                            "%17d  %7.1f  %10.1f  %18d%n",
                            i,
                            rss / 1024.0,
                            (rss - base) / 1024.0,
                            genpipe.onnx().liveNativeValues());
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long end = BenchSupport.rssKiB();
            // each step is three session runs (encoder, then a chained pair)
            System.out.printf(
                    "%d steps (%d session runs) in %.1f s; RSS after warm-up %.1f MiB, at end %.1f MiB,"
                            + " growth %.1f MiB (peak growth %.1f MiB); native values open at end: %d%n",
                    RUNS,
                    3L * RUNS,
                    seconds,
                    base / 1024.0,
                    end / 1024.0,
                    (end - base) / 1024.0,
                    (peak - base) / 1024.0,
                    genpipe.onnx().liveNativeValues());
            System.out.println((end - base) < 50 * 1024 ? "PASS: growth under 50 MB" : "MISS: growth 50 MB or more");

            // Control: the same runs with outputs never closed, to show the measurement sees a leak.
            long before = BenchSupport.rssKiB();
            for (int i = 0; i < CONTROL_RUNS; i++) {
                direct.run(Map.of("x", input)).get("s");
            }
            long after = BenchSupport.rssKiB();
            System.out.printf(
                    "control: %d runs leaving their outputs open grew RSS by %.1f MiB" + " (native values open: %d)%n",
                    CONTROL_RUNS, (after - before) / 1024.0, genpipe.onnx().liveNativeValues());
        }
    }
}
