package io.genpipe.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.pipeline.RunResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flagship and the one-class benchmark on Spark local[2] against the local runner, same JVM, same
 * models: every output file byte for byte, run.json's metrics and rows per step exactly.
 */
class SparkLocalTest {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private static Genpipe genpipe;
    private static SparkSession session;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        genpipe = Genpipe.builder().build();
        session = SparkEngine.session("local[2]", "genpipe-spark-test");
    }

    @AfterAll
    static void stop() {
        if (session != null) {
            session.stop();
        }
        if (genpipe != null) {
            genpipe.close();
        }
    }

    @Test
    void flagshipMatchesTheLocalRunner() throws Exception {
        compare(ROOT.resolve("pipelines/anomaly-augment.yaml"), List.of());
    }

    @Test
    void routeAndSubPipelineMatchTheLocalRunner() throws Exception {
        // route runs row-wise (its rows tagged with their output between it and its readers); the sub-pipeline
        // is inlined before either engine sees the plan
        compare(ROOT.resolve("pipelines/anomaly-kinds.yaml"), List.of("batchSize=300"));
    }

    @Test
    void rankingByANamedScoreColumnAndALoopMatchTheLocalRunner() throws Exception {
        // top-k with score: gets that column beside the metadata on the driver; refill's rounds run as stages
        compare(ROOT.resolve("pipelines/sneakers.yaml"), List.of("batchSize=128"));
    }

    @Test
    void oneClassBenchmarkMatchesTheLocalRunner() throws Exception {
        compare(ROOT.resolve("pipelines/bench/vae-one-class.yaml"), List.of("test.limit=3000"));
    }

    @Test
    void frechetDistancesFromExactMomentsMatchTheLocalRunner() throws Exception {
        // four Frechet distances (CNN and ViT features), each from two inputs' moments summed where the rows are
        compare(
                ROOT.resolve("pipelines/bench/gan-quality.yaml"),
                List.of("noise.rows=600", "test.limit=900", "train.limit=700", "batchSize=100"),
                7);
    }

    @Test
    void thePartitioningChangesNothing() throws Exception {
        // one partition, a prime number of them, one per batch: the same bytes as the local runner each time
        for (int partitions : new int[] {1, 7, 40}) {
            compare(
                    ROOT.resolve("pipelines/anomaly-augment.yaml"),
                    List.of("test.limit=4000", "batchSize=100"),
                    partitions);
        }
    }

    @Test
    void aModelThatChangedAfterValidationFailsTheJobNamingIt() throws Exception {
        Path folder = tmp.resolve("job");
        Files.createDirectories(folder);
        copy("one-class/one-class-0-encoder.onnx", folder.resolve("encoder.onnx"));
        copy("one-class/one-class-0-decoder.onnx", folder.resolve("decoder.onnx"));
        Path file = folder.resolve("score.yaml");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "name: score",
                        "seed: 1",
                        "batchSize: 100",
                        "steps:",
                        "  - id: test",
                        "    use: idx-source",
                        "    with:",
                        "      images: " + ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"),
                        "      labels: " + ROOT.resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz"),
                        "      limit: 300",
                        "  - id: score",
                        "    use: vae-anomaly-scorer",
                        "    inputs: [test]",
                        "    with: {encoder: encoder.onnx, decoder: decoder.onnx, method: combined}",
                        "  - id: scores",
                        "    use: jsonl-sink",
                        "    inputs: [score]",
                        ""));
        SparkEngine engine =
                new SparkEngine(genpipe, JavaSparkContext.fromSparkContext(session.sparkContext()), null, line -> {});
        SparkEngine.Prepared prepared = engine.prepare(file, List.of(), null);
        String validated =
                prepared.spec().models().get(folder.resolve("encoder.onnx").toString());
        // the node's copy is re-exported after the driver validated: another class's encoder, same ports
        copy("one-class/one-class-1-encoder.onnx", folder.resolve("encoder.onnx"));
        Path out = tmp.resolve("out");
        GenpipeException e = Assertions.assertThrows(GenpipeException.class, () -> engine.run(prepared, out));
        assertTrue(
                e.getMessage()
                        .startsWith("executor driver cannot rebuild the pipeline: model "
                                + folder.resolve("encoder.onnx") + " has sha256 "),
                e.getMessage());
        assertTrue(
                e.getMessage()
                        .contains(" here, the driver's has " + validated + "; every node needs the same model files"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("; no output was written"), e.getMessage());
        assertTrue(Files.notExists(out), "no output folder after a failed job");
        try (Stream<Path> left = Files.list(tmp)) {
            // nothing stays beside it: no temporary folder, no lock file
            assertEquals(
                    List.of("job"),
                    left.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()));
        }
    }

    private static void copy(String resource, Path to) throws Exception {
        try (var in = SparkLocalTest.class.getClassLoader().getResourceAsStream("io/genpipe/vae/models/" + resource)) {
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void compare(Path file, List<String> sets) throws Exception {
        compare(file, sets, 0);
    }

    private void compare(Path file, List<String> sets, int partitions) throws Exception {
        var local = genpipe.pipeline(file);
        sets.forEach(local::set);
        RunResult a = local.run(tmp.resolve("local"));
        List<String> logged = new ArrayList<>();
        SparkEngine engine =
                new SparkEngine(genpipe, JavaSparkContext.fromSparkContext(session.sparkContext()), null, logged::add);
        if (partitions > 0) {
            engine.partitions(partitions);
        }
        RunResult b = engine.run(file, sets, null, tmp.resolve("spark"));
        assertSameOutputs(a, b);
        // a Spark run reads like a local one: every step's line, with the local runner's rows
        assertEquals(
                a.steps().stream().map(st -> st.id() + " " + st.rows()).toList(),
                b.steps().stream().map(st -> st.id() + " " + st.rows()).toList());
        for (RunResult.StepResult st : b.steps()) {
            assertTrue(logged.contains(st.line()), st.line() + " in " + logged);
        }
        ObjectMapper json = new ObjectMapper();
        assertEquals(
                json.readValue(a.outputFolder().resolve("run.json").toFile(), Map.class)
                        .get("pipeline"),
                json.readValue(b.outputFolder().resolve("run.json").toFile(), Map.class)
                        .get("pipeline"));
    }

    /** The local runner's and Spark's outputs: the same files, byte for byte, and the same run.json facts. */
    static void assertSameOutputs(RunResult a, RunResult b) throws Exception {
        List<String> files = list(a.outputFolder());
        assertEquals(files, list(b.outputFolder()));
        for (String f : files) {
            if (!f.equals("run.json") && !f.equals("timings.js")) { // timings differ
                assertArrayEquals(
                        Files.readAllBytes(a.outputFolder().resolve(f)),
                        Files.readAllBytes(b.outputFolder().resolve(f)),
                        f + " differs between the local runner and Spark");
            }
        }
        ObjectMapper json = new ObjectMapper();
        Map<?, ?> ra = json.readValue(a.outputFolder().resolve("run.json").toFile(), Map.class);
        Map<?, ?> rb = json.readValue(b.outputFolder().resolve("run.json").toFile(), Map.class);
        assertEquals(ra.get("metrics"), rb.get("metrics"));
        assertEquals(rows(ra), rows(rb));
        for (String k : List.of("seed", "device", "genpipe", "onnxruntime", "plugins", "models")) {
            assertEquals(ra.get(k), rb.get(k), k);
        }
        assertEquals("spark", rb.get("engine"));
        Map<?, ?> spark = (Map<?, ?>) rb.get("spark");
        assertEquals("local[2]", spark.get("master"));
        assertTrue(((String) spark.get("applicationId")).startsWith("local-"), String.valueOf(spark));
        assertTrue(a.steps().stream().anyMatch(s -> s.rows() > 0));
    }

    private static List<String> rows(Map<?, ?> run) {
        return ((List<?>) run.get("steps"))
                .stream()
                        .map(s -> ((Map<?, ?>) s).get("id") + "=" + ((Map<?, ?>) s).get("rows"))
                        .collect(Collectors.toList());
    }

    static List<String> list(Path folder) throws Exception {
        try (Stream<Path> s = Files.walk(folder)) {
            return s.filter(Files::isRegularFile)
                    .map(p -> folder.relativize(p).toString())
                    .sorted()
                    .collect(Collectors.toList());
        }
    }
}
