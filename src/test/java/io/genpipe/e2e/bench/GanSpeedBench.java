package io.genpipe.e2e.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.genpipe.api.Generator;
import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.pipeline.PipelineDefinition;
import io.genpipe.runtime.pipeline.PipelinePlan;
import io.genpipe.runtime.pipeline.PipelineReader;
import io.genpipe.runtime.pipeline.PipelineRunner;
import io.genpipe.runtime.pipeline.PipelineValidator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * GAN generation throughput, 10,000 images (1,000 per class), batch 256, 2 intra-op threads, in one
 * run: (a) a genpipe pipeline (gaussian, relabel, gan-generator), start to renamed output folder;
 * (a2) the gan-generator component on preloaded latents; (b) a bare ONNX Runtime Java loop on the
 * same latents; (c) PyTorch eager on the same latents (plugins/gan/train/bench_torch.py); (d) DJL 0.36
 * on its ONNX Runtime engine, same model file and threads. Best of 3 passes after a warm-up; (a2),
 * (b), (c) and (d) must agree on the sum of all pixels. Then batch-1 latency of (a2), (b) and (d):
 * 600 single-image calls each after a warm-up, interleaved in blocks of 50, p50 and p99.
 *
 * <pre>./mvnw -B -q -Pbench -pl src/test -am verify -DskipTests -Dbench=GanSpeedBench</pre>
 */
public final class GanSpeedBench {

    private static final int N = 10_000;
    private static final int BATCH = 256;
    private static final int THREADS = 2;
    private static final int REPEAT = 3;
    private static final String MODEL = "plugins/gan/src/main/resources/io/genpipe/gan/models/cdcgan-generator.onnx";

    public static void main(String[] args) throws Exception {
        Djl.startEngine(); // DJL makes the process's ONNX Runtime environment, as in an application using both
        float[] z = new float[N * 100];
        long[] labels = new long[N];
        RandomSource random = new RandomSource(11);
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < N; i++) {
            labels[i] = i % 10;
        }
        double[] pipeline = pipeline();
        double[] embedded = embedded(z, labels);
        double[] bare = bare(z, labels);
        double[] torch = torch(z, labels);
        double[] djl = djl(z, labels);
        System.out.printf(Locale.ROOT, "%-32s %12s %10s %16s%n", "", "images/s", "seconds", "checksum");
        print("(a) genpipe pipeline", pipeline);
        print("(a2) genpipe generator, embedded", embedded);
        print("(b) bare ONNX Runtime loop", bare);
        print("(c) PyTorch eager", torch);
        print("(d) DJL 0.36, OnnxRuntime engine", djl);
        System.out.printf(
                Locale.ROOT,
                "pipeline / bare ORT = %.3f (target >= 0.9); pipeline / PyTorch eager = %.2f"
                        + " (target >= 1.5); embedded / bare ORT = %.3f%n",
                bare[0] / pipeline[0],
                torch[0] / pipeline[0],
                bare[0] / embedded[0]);
        System.out.printf(
                Locale.ROOT,
                "genpipe / DJL throughput: embedded %.3f, pipeline %.3f (target >= 1.0)%n",
                djl[0] / embedded[0],
                djl[0] / pipeline[0]);
        double tolerance = Math.abs(bare[1]) * 1e-5;
        if (Math.abs(embedded[1] - bare[1]) > tolerance
                || Math.abs(torch[1] - bare[1]) > tolerance
                || Math.abs(djl[1] - bare[1]) > tolerance) {
            System.out.println("CHECKSUMS DISAGREE");
        }
        latency(z, labels);
    }

    private static void print(String name, double[] r) {
        System.out.printf(
                Locale.ROOT,
                "%-32s %12.0f %10.3f %16s%n",
                name,
                N / r[0],
                r[0],
                Double.isNaN(r[1]) ? "(own latents)" : String.format(Locale.ROOT, "%.3f", r[1]));
    }

    private static double[] pipeline() throws IOException {
        Path dir = Files.createTempDirectory("genpipe-gan-speed");
        Path file = dir.resolve("gan-speed.yaml");
        Files.writeString(
                file,
                "name: gan-speed\nbatchSize: " + BATCH + "\nsteps:\n"
                        + "  - id: noise\n    use: gaussian\n    with: {dim: 100, rows: " + N + "}\n"
                        + "  - id: labels\n    use: relabel\n    inputs: [noise]\n    with: {cycle: 10}\n"
                        + "  - id: generate\n    use: gan-generator\n    inputs: [labels]\n");
        PipelineDefinition d = new PipelineReader().read(file);
        try (Genpipe genpipe =
                Genpipe.builder().threads(THREADS, 1).baseDir(dir).build()) {
            PipelinePlan plan = new PipelineValidator(genpipe).validate(d);
            double best = Double.MAX_VALUE;
            for (int pass = 0; pass <= REPEAT; pass++) {
                long start = System.nanoTime();
                new PipelineRunner(genpipe, line -> {}).run(plan, dir.resolve("out"));
                if (pass > 0) {
                    best = Math.min(best, (System.nanoTime() - start) / 1e9);
                }
            }
            return new double[] {best, Double.NaN};
        }
    }

    private static double[] embedded(float[] z, long[] labels) {
        try (Genpipe genpipe = Genpipe.builder().threads(THREADS, 1).build()) {
            Generator generator = genpipe.generator("gan-generator", Map.of());
            List<Batch> batches = new ArrayList<>();
            for (int from = 0; from < N; from += BATCH) {
                int n = Math.min(BATCH, N - from);
                List<RowMeta> meta = new ArrayList<>();
                for (int i = from; i < from + n; i++) {
                    meta.add(RowMeta.of("z-" + i).withLabel((int) labels[i]));
                }
                batches.add(Batch.builder(n)
                        .column("z", BufferTensor.ofFloats(Arrays.copyOfRange(z, from * 100, (from + n) * 100), n, 100))
                        .meta(meta)
                        .build());
            }
            double best = Double.MAX_VALUE;
            double checksum = 0;
            for (int pass = 0; pass <= REPEAT; pass++) {
                long start = System.nanoTime();
                double sum = 0;
                for (Batch b : batches) {
                    try (Batch out = generator.generate(b, genpipe.random("unused"))) {
                        for (float v : out.column("image").toFloatArray()) {
                            sum += v;
                        }
                    }
                }
                if (pass > 0) {
                    best = Math.min(best, (System.nanoTime() - start) / 1e9);
                }
                checksum = sum;
            }
            batches.forEach(Batch::close);
            return new double[] {best, checksum};
        }
    }

    private static double[] bare(float[] z, long[] labels) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(THREADS);
            options.setInterOpNumThreads(1);
            try (OrtSession session = env.createSession(Files.readAllBytes(Path.of(MODEL)), options)) {
                double best = Double.MAX_VALUE;
                double checksum = 0;
                for (int pass = 0; pass <= REPEAT; pass++) {
                    long start = System.nanoTime();
                    double sum = 0;
                    for (int from = 0; from < N; from += BATCH) {
                        int n = Math.min(BATCH, N - from);
                        FloatBuffer zb = ByteBuffer.allocateDirect(n * 100 * 4)
                                .order(ByteOrder.nativeOrder())
                                .asFloatBuffer();
                        zb.put(z, from * 100, n * 100).rewind();
                        LongBuffer lb = ByteBuffer.allocateDirect(n * 8)
                                .order(ByteOrder.nativeOrder())
                                .asLongBuffer();
                        lb.put(labels, from, n).rewind();
                        try (OnnxTensor zt = OnnxTensor.createTensor(env, zb, new long[] {n, 100});
                                OnnxTensor lt = OnnxTensor.createTensor(env, lb, new long[] {n});
                                OrtSession.Result r = session.run(Map.of("z", zt, "label", lt))) {
                            float[] out = new float[n * 784];
                            ((OnnxTensor) r.get(0)).getFloatBuffer().get(out);
                            for (float v : out) {
                                sum += v;
                            }
                        }
                    }
                    if (pass > 0) {
                        best = Math.min(best, (System.nanoTime() - start) / 1e9);
                    }
                    checksum = sum;
                }
                return new double[] {best, checksum};
            }
        }
    }

    private static double[] djl(float[] z, long[] labels) throws Exception {
        try (Djl djl = new Djl(Path.of(MODEL), THREADS)) {
            double best = Double.MAX_VALUE;
            double checksum = 0;
            for (int pass = 0; pass <= REPEAT; pass++) {
                long start = System.nanoTime();
                double sum = 0;
                for (int from = 0; from < N; from += BATCH) {
                    int n = Math.min(BATCH, N - from);
                    try (NDArray zt = djl.floats(z, from * 100, n * 100, n, 100);
                            NDArray lt = djl.longs(labels, from, n, n)) {
                        zt.setName("z");
                        lt.setName("label");
                        try (NDList out = djl.predict(new NDList(zt, lt))) {
                            for (float v : out.get(0).toFloatArray()) {
                                sum += v;
                            }
                        }
                    }
                }
                if (pass > 0) {
                    best = Math.min(best, (System.nanoTime() - start) / 1e9);
                }
                checksum = sum;
            }
            return new double[] {best, checksum};
        }
    }

    /** Batch-1 latency: genpipe's generator, the bare loop and DJL, interleaved in blocks of 50 calls. */
    private static void latency(float[] z, long[] labels) throws Exception {
        int calls = 600;
        int block = 50;
        long[][] samples = new long[3][calls];
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (Genpipe genpipe = Genpipe.builder().threads(THREADS, 1).build();
                Djl djl = new Djl(Path.of(MODEL), THREADS);
                OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(THREADS);
            options.setInterOpNumThreads(1);
            try (OrtSession session = env.createSession(Files.readAllBytes(Path.of(MODEL)), options)) {
                Generator generator = genpipe.generator("gan-generator", Map.of());
                for (int warm = -1; warm < calls / block; warm++) {
                    for (int who = 0; who < 3; who++) {
                        for (int k = 0; k < block; k++) {
                            int i = Math.max(0, warm) * block + k;
                            long t0 = System.nanoTime();
                            if (who == 0) {
                                try (Batch b = Batch.builder(1)
                                                .column(
                                                        "z",
                                                        BufferTensor.ofFloats(
                                                                Arrays.copyOfRange(z, i * 100, i * 100 + 100), 1, 100))
                                                .meta(List.of(
                                                        RowMeta.of("z-" + i).withLabel((int) labels[i])))
                                                .build();
                                        Batch out = generator.generate(b, genpipe.random("unused"))) {
                                    out.column("image").toFloatArray();
                                }
                            } else if (who == 1) {
                                FloatBuffer zb = ByteBuffer.allocateDirect(400)
                                        .order(ByteOrder.nativeOrder())
                                        .asFloatBuffer();
                                zb.put(z, i * 100, 100).rewind();
                                LongBuffer lb = ByteBuffer.allocateDirect(8)
                                        .order(ByteOrder.nativeOrder())
                                        .asLongBuffer();
                                lb.put(labels[i]).rewind();
                                try (OnnxTensor zt = OnnxTensor.createTensor(env, zb, new long[] {1, 100});
                                        OnnxTensor lt = OnnxTensor.createTensor(env, lb, new long[] {1});
                                        OrtSession.Result r = session.run(Map.of("z", zt, "label", lt))) {
                                    float[] out = new float[784];
                                    ((OnnxTensor) r.get(0)).getFloatBuffer().get(out);
                                }
                            } else {
                                try (NDArray zt = djl.floats(z, i * 100, 100, 1, 100);
                                        NDArray lt = djl.longs(labels, i, 1, 1)) {
                                    zt.setName("z");
                                    lt.setName("label");
                                    try (NDList out = djl.predict(new NDList(zt, lt))) {
                                        out.get(0).toFloatArray();
                                    }
                                }
                            }
                            if (warm >= 0) {
                                samples[who][i] = System.nanoTime() - t0;
                            }
                        }
                    }
                }
            }
        }
        String[] names = {"genpipe generator", "bare ONNX Runtime", "DJL"};
        double[][] p = new double[3][];
        for (int who = 0; who < 3; who++) {
            long[] s = samples[who].clone();
            Arrays.sort(s);
            p[who] = new double[] {s[calls / 2] / 1e6, s[(int) Math.ceil(calls * 0.99) - 1] / 1e6};
            System.out.printf(
                    Locale.ROOT, "batch-1 latency %-20s p50 %.3f ms  p99 %.3f ms%n", names[who], p[who][0], p[who][1]);
        }
        System.out.printf(
                Locale.ROOT,
                "batch-1 latency genpipe / DJL: p50 %.3f, p99 %.3f (below 1: genpipe faster)%n",
                p[0][0] / p[2][0],
                p[0][1] / p[2][1]);
    }

    private static double[] torch(float[] z, long[] labels) throws Exception {
        Path dir = Files.createTempDirectory("genpipe-gan-torch");
        ByteBuffer zb = ByteBuffer.allocate(z.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        zb.asFloatBuffer().put(z);
        Files.write(dir.resolve("z.f32"), zb.array());
        ByteBuffer lb = ByteBuffer.allocate(labels.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        lb.asLongBuffer().put(labels);
        Files.write(dir.resolve("labels.i64"), lb.array());
        Process p = new ProcessBuilder(
                        "/usr/bin/python3",
                        "bench_torch.py",
                        "--z",
                        dir.resolve("z.f32").toString(),
                        "--labels",
                        dir.resolve("labels.i64").toString(),
                        "--batch",
                        Integer.toString(BATCH),
                        "--threads",
                        Integer.toString(THREADS),
                        "--repeat",
                        Integer.toString(REPEAT))
                .directory(Path.of("plugins/gan/train").toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("bench_torch.py failed: " + out);
        }
        return new double[] {BenchSupport.number(out, "seconds"), BenchSupport.number(out, "checksum")};
    }
}
