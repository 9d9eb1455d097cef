package io.genpipe.wavenet;

import io.genpipe.api.Generator;
import io.genpipe.api.RandomSource;
import io.genpipe.api.Role;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.io.Wav;
import io.genpipe.testkit.PluginUnderTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Generation speed of the plugin as deployed (from its plugins folder), and how generated audio
 * compares with real speech. Not a test: run it on its own, nothing else busy,
 * {@code ./mvnw -B -o test -pl plugins/wavenet -Dtest=WaveNetSpeedBench} (docs/BENCHMARKS.md).
 *
 * <p>Speed is steady state: each configuration generates two lengths and the difference of their
 * times is divided by the difference of their steps, so the prompt, the start-up and, for
 * recompute, the first 511 steps (whose window is still short) drop out.
 */
class WaveNetSpeedBench {

    @Test
    void bench() throws Exception {
        try (PluginUnderTest plugin = PluginUnderTest.buildOutput()) {
            for (int rows : new int[] {1, 16}) {
                double cached =
                        samplesPerSecond(plugin, "cache", rows, rows == 1 ? 2000 : 1000, rows == 1 ? 10000 : 4000);
                double recompute = samplesPerSecond(plugin, "recompute", rows, 700, rows == 1 ? 1000 : 760);
                System.out.printf(
                        Locale.ROOT,
                        "batch %2d: cached step %,.0f samples/s (real-time factor %.2f at 8 kHz);"
                                + " recomputing the receptive field %,.0f samples/s; cached / recompute %.1fx%n",
                        rows,
                        cached,
                        cached / 8000,
                        recompute,
                        cached / recompute);
            }
            speechStatistics(plugin);
        }
    }

    /** Steady-state samples per second (all rows) of the generator from silence. */
    private static double samplesPerSecond(PluginUnderTest plugin, String state, int rows, int shorter, int longer) {
        Generator g1 = plugin.create(
                Role.GENERATOR, "wavenet-generator", Map.of("promptSamples", 0, "samples", shorter, "state", state));
        Generator g2 = plugin.create(
                Role.GENERATOR, "wavenet-generator", Map.of("promptSamples", 0, "samples", longer, "state", state));
        time(g1, rows); // warm-up
        // each length's best time, then their difference: a pause in one repetition of the shorter run no longer
        // turns the difference negative (the best of differences did at batch 16)
        double a = Double.MAX_VALUE;
        double b = Double.MAX_VALUE;
        for (int rep = 0; rep < 3; rep++) {
            a = Math.min(a, time(g1, rows));
            b = Math.min(b, time(g2, rows));
        }
        return rows / ((b - a) / (longer - shorter));
    }

    private static double time(Generator g, int rows) {
        List<RowMeta> meta = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            meta.add(RowMeta.of("row-" + r));
        }
        try (Batch in = Batch.builder(rows).meta(meta).build()) {
            long t0 = System.nanoTime();
            g.generate(in, new RandomSource(3)).close();
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    /**
     * Energy envelope and zero-crossing statistics of 1 s continuations (the speech-generate
     * pipeline's settings, 32 prompts of 0.1 s) against the real clips' next second, and white noise.
     */
    private static void speechStatistics(PluginUnderTest plugin) throws Exception {
        Path clips = WaveNetConformanceTest.ROOT.resolve("data/speech/clips");
        List<Path> files;
        try (Stream<Path> s = Files.list(clips)) {
            files = s.sorted().limit(32).toList();
        }
        int rows = files.size();
        float[] audio = new float[rows * 8800];
        List<RowMeta> meta = new ArrayList<>();
        List<double[]> real = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            double[] x = Wav.read(files.get(r));
            for (int t = 0; t < 800; t++) {
                audio[r * 8800 + t] = (float) x[t];
            }
            real.add(Arrays.copyOfRange(x, 800, Math.min(x.length, 8800)));
            meta.add(RowMeta.of(files.get(r).getFileName().toString()));
        }
        Generator g = plugin.create(
                Role.GENERATOR,
                "wavenet-generator",
                Map.of("promptSamples", 800, "samples", 8000, "temperature", 1.0, "topP", 0.99));
        List<double[]> generated = new ArrayList<>();
        try (Batch in = Batch.builder(rows)
                        .meta(meta)
                        .column("audio", BufferTensor.ofFloats(audio, rows, 8800))
                        .build();
                Batch out = g.generate(in, new RandomSource(11))) {
            float[] y = out.column("audio").toFloatArray();
            int w = y.length / rows;
            for (int r = 0; r < rows; r++) {
                double[] d = new double[8000];
                for (int t = 0; t < 8000; t++) {
                    d[t] = y[r * w + 800 + t];
                }
                generated.add(d);
            }
        }
        RandomSource noise = new RandomSource(5);
        List<double[]> white = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            double[] d = new double[8000];
            for (int t = 0; t < d.length; t++) {
                d[t] = Math.max(-1, Math.min(1, 0.1 * noise.nextGaussian()));
            }
            white.add(d);
        }
        System.out.println("20 ms frames | mean rms | envelope cv (std/mean of frame rms) | silent frames (rms < 0.01)"
                + " | zero-crossing rate mean | zcr std across frames");
        for (Object[] set : new Object[][] {{"real speech", real}, {"generated", generated}, {"white noise", white}}) {
            @SuppressWarnings("unchecked")
            double[] s = stats((List<double[]>) set[1]);
            System.out.printf(
                    Locale.ROOT,
                    "%-12s | %.4f | %.2f | %.1f%% | %.3f | %.3f%n",
                    set[0],
                    s[0],
                    s[1],
                    100 * s[2],
                    s[3],
                    s[4]);
        }
    }

    /** mean frame rms, cv of frame rms, fraction of silent frames, mean and std of the voiced frames' zero-crossing rate. */
    static double[] stats(List<double[]> clips) {
        List<Double> rms = new ArrayList<>();
        List<Double> zcr = new ArrayList<>();
        for (double[] x : clips) {
            for (int f = 0; f + 160 <= x.length; f += 160) {
                double e = 0;
                int crossings = 0;
                for (int t = f; t < f + 160; t++) {
                    e += x[t] * x[t];
                    if (t > f && (x[t - 1] < 0) != (x[t] < 0)) {
                        crossings++;
                    }
                }
                double r = Math.sqrt(e / 160);
                rms.add(r);
                if (r >= 0.01) {
                    zcr.add(crossings / 159.0);
                }
            }
        }
        double mean = rms.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double sd = Math.sqrt(
                rms.stream().mapToDouble(v -> (v - mean) * (v - mean)).average().orElse(0));
        double silent = rms.stream().filter(v -> v < 0.01).count() / (double) rms.size();
        double zm = zcr.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double zs = Math.sqrt(
                zcr.stream().mapToDouble(v -> (v - zm) * (v - zm)).average().orElse(0));
        return new double[] {mean, sd / mean, silent, zm, zs};
    }
}
