package io.genpipe.runtime.pipeline;

import static io.genpipe.runtime.testing.PluginJarBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.io.IdxFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dataset-shaping built-ins, on real images from the bundled test split. */
class DatasetStepsTest {

    private static final Path DATA = Path.of(System.getProperty("genpipe.repo.root", ".."))
            .toAbsolutePath()
            .normalize()
            .resolve("data/fashion-mnist");

    /** A scorer plugin: the mean pixel of each image (brightness). */
    private static final String BRIGHTNESS = "package bright;\n"
            + "import io.genpipe.api.*;\nimport io.genpipe.api.data.*;\nimport io.genpipe.api.spi.*;\nimport java.util.List;\n"
            + "public final class BrightPlugin implements GenpipePlugin {\n"
            + "  public List<ScorerFactory> scorers() {\n"
            + "    return List.of(ScorerFactory.of(\"brightness\", \"mean pixel\", List.of(), (p, c) -> new Scorer() {\n"
            + "      public List<PortSpec> inputs() { return List.of(PortSpec.of(\"image\", DType.FLOAT32, \"batch\", 1, \"h\", \"w\")); }\n"
            + "      public List<PortSpec> outputs() { return List.of(PortSpec.of(\"score\", DType.FLOAT64, \"batch\")); }\n"
            + "      public String quantity() { return \"brightness\"; }\n"
            + "      public ScoreDirection direction() { return ScoreDirection.HIGHER_IS_MORE; }\n"
            + "      public double[] score(Batch b) {\n"
            + "        float[] x = b.column(\"image\").toFloatArray();\n"
            + "        int n = x.length / b.rows();\n"
            + "        double[] s = new double[b.rows()];\n"
            + "        for (int i = 0; i < x.length; i++) s[i / n] += x[i] / n;\n"
            + "        return s;\n"
            + "      }\n"
            + "    }));\n"
            + "  }\n"
            + "}\n";

    @TempDir
    Path dir;

    @BeforeEach
    void plugins() {
        plugin("bright").source("bright.BrightPlugin", BRIGHTNESS).build(dir.resolve("plugins/bright.jar"));
    }

    private RunResult run(String yaml, String out) throws Exception {
        Path file = dir.resolve(out + ".yaml");
        Files.writeString(file, yaml.replace("DATA", DATA.toString()));
        PipelineDefinition d = new PipelineReader().read(file);
        try (Genpipe genpipe = Genpipe.builder()
                .seed(d.seed())
                .baseDir(dir)
                .pluginsDir(dir.resolve("plugins"))
                .build()) {
            RunResult r = new PipelineRunner(genpipe, line -> {})
                    .run(new PipelineValidator(genpipe).validate(d), dir.resolve(out));
            assertEquals(0, genpipe.onnx().liveNativeValues());
            return r;
        }
    }

    private static final String FLOW = "batchSize: 64\nsteps:\n"
            + "  - id: test\n    use: idx-source\n    with: {images: DATA/t10k-images-idx3-ubyte.gz, labels: DATA/t10k-labels-idx1-ubyte.gz, limit: 300}\n"
            + "  - id: bright\n    use: brightness\n    inputs: [test]\n"
            + "  - id: flag\n    use: flag-quantile\n    inputs: [bright]\n    with: {fraction: 0.1, by: label}\n"
            + "  - id: kept\n    use: filter\n    inputs: [flag]\n    with: {equals: \"false\"}\n"
            + "  - id: flagged\n    use: filter\n    inputs: [flag]\n"
            + "  - id: twice\n    use: repeat\n    inputs: [flagged]\n    with: {times: 2}\n"
            + "  - id: doubled\n    use: count\n    inputs: [twice]\n    with: {metric: doubled}\n"
            + "  - id: gate\n    use: gate\n    inputs: [doubled]\n    with: {thresholds: flag}\n"
            + "  - id: quota\n    use: take-per-class\n    inputs: [gate]\n    with: {counts: flag}\n"
            + "  - id: a\n    use: select-columns\n    inputs: [kept]\n    with: {columns: [image]}\n"
            + "  - id: b\n    use: select-columns\n    inputs: [quota]\n    with: {columns: [image]}\n"
            + "  - id: all\n    use: concat\n    inputs: [a, b]\n"
            + "  - id: total\n    use: count\n    inputs: [all]\n    with: {metric: total}\n"
            + "  - id: dataset\n    use: idx-sink\n    inputs: [total]\n"
            + "  - id: brightest\n    use: top-k\n    inputs: [bright]\n    with: {k: 5}\n"
            + "  - id: top\n    use: csv-sink\n    inputs: [brightest]\n"
            + "  - id: pngs\n    use: png-sink\n    inputs: [brightest]\n"
            + "  - id: some\n    use: sample\n    inputs: [bright]\n    with: {fraction: 0.5}\n"
            + "  - id: sampled\n    use: jsonl-sink\n    inputs: [some]\n";

    @Test
    void flagRefillConcatAndWrite() throws Exception {
        RunResult r = run(FLOW, "out");
        Map<String, Object> m = r.metrics();
        int[] labels = IdxFile.read(DATA.resolve("t10k-labels-idx1-ubyte.gz")).toLabels();
        int[] perClass = new int[10];
        for (int i = 0; i < 300; i++) {
            perClass[labels[i]]++;
        }
        long flagged = 0;
        for (int c = 0; c < 10; c++) {
            flagged += Math.round(0.1 * perClass[c]);
        }
        assertEquals((int) flagged, m.get("flagged"));
        assertEquals(2 * flagged, m.get("doubled"));
        long rejected = ((Number) m.get("rejected")).longValue();
        // each flagged image scores at or above its class threshold: only those exactly at it pass the gate
        assertTrue(rejected >= flagged && rejected < 2 * flagged, m.toString());
        long total = ((Number) m.get("total")).longValue();
        IdxFile images = IdxFile.read(dir.resolve("out/images-idx3-ubyte.gz"));
        assertEquals(total, images.count());
        assertEquals(
                total, IdxFile.read(dir.resolve("out/labels-idx1-ubyte.gz")).toLabels().length);
        assertTrue(total >= 300 - flagged && total <= 300, m.toString());
        List<String> csv = Files.readAllLines(dir.resolve("out/top.csv"));
        assertEquals("id,label,source,score,bright", csv.get(0));
        assertEquals(6, csv.size());
        double previous = Double.MAX_VALUE;
        for (String line : csv.subList(1, 6)) {
            double score = Double.parseDouble(line.split(",")[3]);
            assertTrue(score <= previous, "top-k not in descending order: " + csv);
            previous = score;
        }
        try (Stream<Path> pngs = Files.list(dir.resolve("out/pngs"))) {
            assertEquals(5, pngs.count());
        }
    }

    @Test
    void sampleIsSeededPerRowAndPngFoldersRoundTrip() throws Exception {
        run(FLOW, "one");
        run(FLOW, "two");
        assertArrayEquals(
                Files.readAllBytes(dir.resolve("one/sampled.jsonl")),
                Files.readAllBytes(dir.resolve("two/sampled.jsonl")));
        long kept = Files.readAllLines(dir.resolve("one/sampled.jsonl")).size();
        assertTrue(kept > 100 && kept < 200, "sampled " + kept + " of 300");
        RunResult back = run(
                "steps:\n  - id: pngs\n    use: png-source\n    with: {folder: " + dir.resolve("one/pngs")
                        + ", label: 3}\n  - id: bright\n    use: brightness\n    inputs: [pngs]\n"
                        + "  - id: rows\n    use: csv-sink\n    inputs: [bright]\n",
                "back");
        List<String> original = Files.readAllLines(dir.resolve("one/top.csv"));
        List<String> reread = Files.readAllLines(dir.resolve("back/rows.csv"));
        assertEquals(6, reread.size());
        // PNG stores 8 bits: brightness survives to within 1/255
        double a = Double.parseDouble(original.get(1).split(",")[3]);
        boolean found = false;
        for (String line : reread.subList(1, 6)) {
            found |= Math.abs(Double.parseDouble(line.split(",")[3]) - a) < 1 / 255.0;
        }
        assertTrue(found, original + " vs " + reread);
        assertTrue(back.metrics().isEmpty());
    }
}
