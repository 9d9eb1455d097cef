package io.genpipe.e2e.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.io.IdxFile;
import io.genpipe.runtime.pipeline.PipelineDefinition;
import io.genpipe.runtime.pipeline.PipelinePlan;
import io.genpipe.runtime.pipeline.PipelineReader;
import io.genpipe.runtime.pipeline.PipelineRunner;
import io.genpipe.runtime.pipeline.PipelineValidator;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * VAE anomaly scoring throughput on the 10,000 Fashion-MNIST test images, three ways in one run, on
 * the same model (the class-0 one-class conv VAE), batch (256) and threads (2 intra-op):
 * (a) a genpipe pipeline (idx-source, vae-anomaly-scorer with method reconstruction, jsonl-sink),
 * timed from start to the renamed output folder; (a2) the same scorer called directly through the
 * embedding API on preloaded batches; (b) a bare ONNX Runtime Java loop doing
 * the same two runs and the same arithmetic; (c) the same model in PyTorch eager (Debian's torch,
 * plugins/vae/train/bench_torch.py); (d) DJL 0.36 on its ONNX Runtime engine, the same two models,
 * threads and arithmetic through DJL's NDList. Each is timed as the best of 3 passes after one warm-up pass;
 * the checksums (sum of all scores) must agree. All three Java rows start from the same IDX bytes
 * in memory and turn them into float batches inside the timed loop, as the pipeline's source does;
 * the PyTorch row converts before timing (a small head start).
 *
 * <pre>./mvnw -B -q -Pbench -pl src/test -am verify -DskipTests -Dbench=VaeSpeedBench</pre>
 */
public final class VaeSpeedBench {

    private static final int BATCH = 256;
    private static final int THREADS = 2;
    private static final int REPEAT = 3;
    private static final String MODEL = "plugins/vae/src/main/resources/io/genpipe/vae/models/one-class/one-class-0";

    public static void main(String[] args) throws Exception {
        Djl.startEngine(); // DJL makes the process's ONNX Runtime environment, as in an application using both
        IdxFile images = IdxFile.read(Path.of("data/fashion-mnist/t10k-images-idx3-ubyte.gz"));
        int n = images.count();
        double[] pipeline = pipeline();
        double[] genpipe = genpipe(images);
        double[] bare = bare(images);
        double[] torch = torch();
        double[] djl = djl(images);
        System.out.printf(Locale.ROOT, "%-32s %12s %10s %16s%n", "", "images/s", "seconds", "checksum");
        print("(a) genpipe pipeline", n, pipeline);
        print("(a2) genpipe scorer, embedded", n, genpipe);
        print("(b) bare ONNX Runtime loop", n, bare);
        print("(c) PyTorch eager", n, torch);
        print("(d) DJL 0.36, OnnxRuntime engine", n, djl);
        System.out.printf(
                Locale.ROOT,
                "pipeline / bare ORT = %.3f (target >= 0.9); pipeline / PyTorch eager = %.2f"
                        + " (target >= 1.5); embedded scorer / bare ORT = %.3f%n",
                bare[0] / pipeline[0],
                torch[0] / pipeline[0],
                bare[0] / genpipe[0]);
        System.out.printf(
                Locale.ROOT,
                "genpipe / DJL throughput: embedded %.3f, pipeline %.3f (target >= 1.0)%n",
                djl[0] / genpipe[0],
                djl[0] / pipeline[0]);
        double tolerance = Math.abs(bare[1]) * 1e-4;
        if (Math.abs(genpipe[1] - bare[1]) > tolerance
                || Math.abs(torch[1] - bare[1]) > tolerance
                || Math.abs(pipeline[1] - bare[1]) > tolerance
                || Math.abs(djl[1] - bare[1]) > tolerance) {
            System.out.println("CHECKSUMS DISAGREE: the three did not compute the same scores");
        }
    }

    private static void print(String name, int n, double[] secondsAndChecksum) {
        System.out.printf(
                Locale.ROOT,
                "%-32s %12.0f %10.3f %16.3f%n",
                name,
                n / secondsAndChecksum[0],
                secondsAndChecksum[0],
                secondsAndChecksum[1]);
    }

    /** Best seconds and checksum of a whole pipeline run. */
    private static double[] pipeline() throws IOException {
        Path dir = Files.createTempDirectory("genpipe-vae-speed");
        Path file = dir.resolve("vae-speed.yaml");
        Files.writeString(
                file,
                "name: vae-speed\nbatchSize: " + BATCH + "\nsteps:\n"
                        + "  - id: test\n    use: idx-source\n    with: {images: "
                        + Path.of("data/fashion-mnist/t10k-images-idx3-ubyte.gz")
                                .toAbsolutePath() + "}\n"
                        + "  - id: score\n    use: vae-anomaly-scorer\n    inputs: [test]\n"
                        + "    with: {variant: one-class, class: 0, method: reconstruction}\n"
                        + "  - id: scores\n    use: jsonl-sink\n    inputs: [score]\n");
        PipelineDefinition d = new PipelineReader().read(file);
        try (Genpipe genpipe =
                Genpipe.builder().threads(THREADS, 1).baseDir(dir).build()) {
            PipelinePlan plan = new PipelineValidator(genpipe).validate(d);
            double best = Double.MAX_VALUE;
            double checksum = 0;
            for (int pass = 0; pass <= REPEAT; pass++) {
                long start = System.nanoTime();
                new PipelineRunner(genpipe, line -> {}).run(plan, dir.resolve("out"));
                double seconds = (System.nanoTime() - start) / 1e9;
                if (pass > 0) {
                    best = Math.min(best, seconds);
                }
                double sum = 0;
                for (String line : Files.readAllLines(dir.resolve("out/scores.jsonl"))) {
                    sum += BenchSupport.number(line, "score");
                }
                checksum = sum;
            }
            return new double[] {best, checksum};
        }
    }

    /** Best seconds and checksum through genpipe. */
    private static double[] genpipe(IdxFile images) {
        try (Genpipe genpipe = Genpipe.builder().threads(THREADS, 1).build()) {
            Scorer scorer = genpipe.scorer(
                    "vae-anomaly-scorer", Map.of("variant", "one-class", "class", 0, "method", "reconstruction"));
            int n = images.count();
            double best = Double.MAX_VALUE;
            double checksum = 0;
            for (int pass = 0; pass <= REPEAT; pass++) {
                long start = System.nanoTime();
                double sum = 0;
                for (int from = 0; from < n; from += BATCH) {
                    int to = Math.min(n, from + BATCH);
                    List<RowMeta> meta = new ArrayList<>(to - from);
                    for (int i = from; i < to; i++) {
                        meta.add(RowMeta.of("test-" + i));
                    }
                    try (Batch b = Batch.builder(to - from)
                            .column("image", images.toImages(from, to))
                            .meta(meta)
                            .build()) {
                        for (double s : scorer.score(b)) {
                            sum += s;
                        }
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                if (pass > 0) {
                    best = Math.min(best, seconds);
                }
                checksum = sum;
            }
            return new double[] {best, checksum};
        }
    }

    /** Best seconds and checksum with ONNX Runtime's Java API alone. */
    private static double[] bare(IdxFile images) throws OrtException, IOException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(THREADS);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession encoder = env.createSession(Files.readAllBytes(Path.of(MODEL + "-encoder.onnx")), options);
                    OrtSession decoder =
                            env.createSession(Files.readAllBytes(Path.of(MODEL + "-decoder.onnx")), options)) {
                double best = Double.MAX_VALUE;
                double checksum = 0;
                for (int pass = 0; pass <= REPEAT; pass++) {
                    long start = System.nanoTime();
                    double sum = 0;
                    for (int from = 0; from < images.count(); from += BATCH) {
                        BufferTensor t = images.toImages(from, Math.min(images.count(), from + BATCH));
                        FloatBuffer pixels = t.floatBuffer();
                        try (t;
                                OnnxTensor x = OnnxTensor.createTensor(env, pixels, t.shape());
                                OrtSession.Result enc = encoder.run(Map.of("image", x))) {
                            OnnxTensor mu = (OnnxTensor) enc.get("mu").orElseThrow();
                            try (OrtSession.Result dec = decoder.run(Map.of("z", mu))) {
                                float[] in = t.toFloatArray();
                                float[] out = new float[in.length];
                                ((OnnxTensor) dec.get("image").orElseThrow())
                                        .getFloatBuffer()
                                        .get(out);
                                for (int i = 0; i < in.length; i++) {
                                    double d = in[i] - out[i];
                                    sum += d * d;
                                }
                            }
                        }
                    }
                    double seconds = (System.nanoTime() - start) / 1e9;
                    if (pass > 0) {
                        best = Math.min(best, seconds);
                    }
                    checksum = sum;
                }
                return new double[] {best, checksum};
            }
        }
    }

    /** Best seconds and checksum through DJL: encode, decode the means, squared error per image. */
    private static double[] djl(IdxFile images) throws Exception {
        try (Djl encoder = new Djl(Path.of(MODEL + "-encoder.onnx"), THREADS);
                Djl decoder = new Djl(Path.of(MODEL + "-decoder.onnx"), THREADS)) {
            double best = Double.MAX_VALUE;
            double checksum = 0;
            for (int pass = 0; pass <= REPEAT; pass++) {
                long start = System.nanoTime();
                double sum = 0;
                for (int from = 0; from < images.count(); from += BATCH) {
                    int to = Math.min(images.count(), from + BATCH);
                    try (BufferTensor t = images.toImages(from, to)) {
                        float[] in = t.toFloatArray();
                        try (NDArray x = encoder.floats(in, 0, in.length, t.shape())) {
                            x.setName("image");
                            try (NDList enc = encoder.predict(new NDList(x))) {
                                NDArray mu = enc.get("mu");
                                mu.setName("z");
                                try (NDList dec = decoder.predict(new NDList(mu))) {
                                    float[] out = dec.get("image").toFloatArray();
                                    for (int i = 0; i < in.length; i++) {
                                        double d = in[i] - out[i];
                                        sum += d * d;
                                    }
                                }
                            }
                        }
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                if (pass > 0) {
                    best = Math.min(best, seconds);
                }
                checksum = sum;
            }
            return new double[] {best, checksum};
        }
    }

    /** Best seconds and checksum from the PyTorch eager script. */
    private static double[] torch() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(
                        "/usr/bin/python3",
                        "plugins/vae/train/bench_torch.py",
                        "--variant",
                        "one-class",
                        "--cls",
                        "0",
                        "--batch",
                        Integer.toString(BATCH),
                        "--threads",
                        Integer.toString(THREADS),
                        "--repeat",
                        Integer.toString(REPEAT),
                        "--data",
                        "data/fashion-mnist")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(
                    "bench_torch.py failed (needs Debian's python3-torch and python3-onnx): " + out);
        }
        return new double[] {BenchSupport.number(out, "seconds"), BenchSupport.number(out, "checksum")};
    }
}
