package io.genpipe.e2e;

import static io.genpipe.runtime.testing.PluginJarBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile-input catalogue (docs/RELIABILITY.md): pipeline files asking for absurd amounts,
 * lying data files, and plugin components that throw, exit, spin, lie about their ports or return
 * NaN. Each case runs through the CLI and is pinned to its exit code and message: no stack trace,
 * no output folder, no temporary folder, within the time the launcher allows (120 s; most take 2).
 */
class HostileInputTest {

    @TempDir
    Path dir;

    Path plugins;

    @BeforeEach
    void folders() throws Exception {
        plugins = Files.createDirectories(dir.resolve("plugins"));
    }

    private Repo.Run genpipe(Map<String, String> env, String... args) throws Exception {
        long t0 = System.nanoTime();
        Path rss = dir.resolve("rss.txt");
        Files.deleteIfExists(rss);
        Repo.Run run = Repo.genpipeMeasured(dir, env, rss, args);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds < 30, "took " + seconds + " s");
        if (Files.exists(rss)) {
            String[] lines = Files.readString(rss).strip().split("\n");
            long kib = Long.parseLong(lines[lines.length - 1].trim());
            assertTrue(kib < 1 << 20, "peak resident memory " + kib / 1024 + " MiB, over 1 GiB");
            System.out.printf(
                    "catalogue: %.1f s, peak RSS %d MiB: genpipe %s%n", seconds, kib / 1024, String.join(" ", args));
        }
        assertFalse(run.err().contains("\tat ") || run.out().contains("\tat "), "a stack trace:\n" + run.err());
        return run;
    }

    private Repo.Run validate(String yaml) throws Exception {
        Files.writeString(dir.resolve("p.yaml"), yaml);
        return genpipe(Map.of(), "validate", "p.yaml", "--plugins-dir", plugins.toString());
    }

    private Repo.Run run(String yaml, Map<String, String> env) throws Exception {
        Files.writeString(dir.resolve("p.yaml"), yaml);
        Repo.Run r = genpipe(env, "run", "p.yaml", "--out", "out", "--plugins-dir", plugins.toString());
        if (r.exitCode() != 0) {
            assertFalse(Files.exists(dir.resolve("out")), "an output folder after a failed run");
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(
                    List.of(),
                    files.map(f -> f.getFileName().toString())
                            .filter(n -> n.contains(".partial-") || n.endsWith(".lock") || n.startsWith("hs_err"))
                            .toList());
        }
        return r;
    }

    private void assertInvalid(Repo.Run r, String message) {
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains(message), "expected\n  " + message + "\nin\n" + r.err());
    }

    private void assertFailed(Repo.Run r, String message) {
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains(message), "expected\n  " + message + "\nin\n" + r.err());
    }

    private static String sampler(String with) {
        return "steps:\n  - id: z\n    use: gaussian\n    with: {dim: 2, column: x, " + with + "}\n";
    }

    @Test
    void absurdAmountsAreRefusedBeforeAnythingRuns() throws Exception {
        assertInvalid(
                validate(sampler("rows: 1e9")),
                "p.yaml:4:31: step 'z': parameter 'rows' of sampler 'gaussian' is"
                        + " 1000000000, above this pipeline's limit of 10000000 rows; raise it with limits: {rows: N} at the top of the file");
        assertEquals(
                0,
                validate("limits: {rows: 2000000000}\n" + sampler("rows: 1e9")).exitCode());
        String z = sampler("rows: 10");
        assertInvalid(
                validate(z + "  - id: r\n    use: repeat\n    inputs: [z]\n    with: {times: 1e9}\n"),
                "step 'r': parameter 'times' of built-in step 'repeat' must be from 1 to 10000, got 1.0E9");
        assertInvalid(
                validate(
                        z
                                + "  - id: w\n    use: interpolate\n    inputs: [z]\n    with: {column: x, steps: 1000000000}\n"),
                "step 'w': parameter 'steps' of built-in step 'interpolate' must be from 2 to 10000, got 1000000000");
        assertInvalid(
                validate(z + "  - id: h\n    use: histogram\n    inputs: [z]\n    with: {bins: 1000000000}\n"),
                "step 'h': parameter 'bins' of built-in step 'histogram' must be from 1 to 10000, got 1000000000");
        assertInvalid(
                validate("batchSize: 2147483648\n" + z),
                "p.yaml:1:12: batchSize must be at most 1000000 rows; found 2147483648");
        assertInvalid(
                validate(sampler("rows: 10, batchSize: 9223372036854775808")),
                "parameter 'batchSize' of sampler 'gaussian' must be an integer, got '9223372036854775808'");
        assertInvalid(
                validate("steps:\n  - id: t\n    use: text-source\n    with: {file: p.yaml}\n"
                        + "  - id: g\n    use: gpt-generator\n    inputs: [t]\n    with: {maxTokens: 1e7}\n"),
                "step 'g': parameter 'maxTokens' of generator 'gpt-generator' must be from 1 to 100000, got 1.0E7");
        assertInvalid(
                validate(
                        "steps:\n  - id: t\n    use: idx-source\n    with: {images: "
                                + Repo.root().resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz") + "}\n"
                                + "  - id: s\n    use: vae-anomaly-scorer\n    inputs: [t]\n    with: {method: iwae, samples: 1e9}\n"),
                "step 's': parameter 'samples' of scorer 'vae-anomaly-scorer' must be from 1 to 10000, got 1.0E9");
    }

    @Test
    void hugeOrDeepPipelineFilesAreRefusedQuickly() throws Exception {
        StringBuilder big = new StringBuilder("steps:\n");
        while (big.length() < 2_000_000) {
            big.append("  # padding padding padding padding padding padding padding padding padding\n");
        }
        Files.writeString(dir.resolve("p.yaml"), big.toString());
        assertInvalid(
                genpipe(Map.of(), "validate", "p.yaml"),
                "the pipeline file is " + Files.size(dir.resolve("p.yaml"))
                        + " bytes; at most 1048576 bytes (1 MiB) are read");
        StringBuilder deep = new StringBuilder("steps:\n  - id: s0\n    use: gaussian\n    with: {dim: 1, rows: 1}\n");
        for (int i = 1; i <= 10_000; i++) {
            deep.append("  - {id: s")
                    .append(i)
                    .append(", use: take, inputs: [s")
                    .append(i - 1)
                    .append("], with: {n: 1}}\n");
        }
        assertInvalid(validate(deep.toString()), "p.yaml:2:3: the pipeline has 10001 steps; at most 10000 are allowed");
    }

    /** A PNG whose header says 30000 x 30000: refused from the header, never decoded. */
    @Test
    void lyingDataFilesAreRefusedFromTheirHeaders() throws Exception {
        Path pngs = Files.createDirectories(dir.resolve("pngs"));
        Files.write(pngs.resolve("huge.png"), pngHeader(30_000, 30_000));
        assertInvalid(
                validate("steps:\n  - id: p\n    use: png-source\n    with: {folder: pngs}\n"
                        + "  - id: g\n    use: image-grid\n    inputs: [p]\n"),
                "step 'p': " + pngs.resolve("huge.png")
                        + " is 30000x30000 pixels; png-source reads images up to 4096 pixels a side");
        ByteArrayOutputStream idx = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(idx);
        d.writeInt(0x0803);
        d.writeInt(-1);
        d.writeInt(-1);
        d.writeInt(28);
        Files.write(dir.resolve("lying.idx"), idx.toByteArray());
        assertInvalid(
                validate("steps:\n  - id: t\n    use: idx-source\n    with: {images: lying.idx}\n"
                        + "  - id: g\n    use: image-grid\n    inputs: [t]\n"),
                "IDX file " + dir.resolve("lying.idx")
                        + " says it holds [4294967295, 4294967295, 28] uint8 (more than 2 GiB); genpipe reads IDX files up to 2 GiB");
        Files.writeString(dir.resolve("endless.csv"), "a".repeat(2_000_000));
        assertInvalid(
                validate("steps:\n  - id: c\n    use: csv-source\n    with: {file: endless.csv, values: [a]}\n"
                        + "  - id: s\n    use: csv-sink\n    inputs: [c]\n"),
                dir.resolve("endless.csv")
                        + " has a line longer than 1048576 characters; genpipe reads text files line by line (is it a text file?)");
    }

    private static byte[] pngHeader(int width, int height) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(out);
        d.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(ihdr);
        h.writeBytes("IHDR");
        h.writeInt(width);
        h.writeInt(height);
        h.write(new byte[] {8, 0, 0, 0, 0});
        byte[] chunk = ihdr.toByteArray();
        d.writeInt(chunk.length - 4);
        d.write(chunk);
        CRC32 crc = new CRC32();
        crc.update(chunk);
        d.writeInt((int) crc.getValue());
        d.writeInt(0);
        d.writeBytes("IEND");
        d.writeInt(0xAE426082);
        return out.toByteArray();
    }

    /** A plugin "hostile" with one scorer "bad" on x: float32[batch,n]: {@code create} and {@code score} bodies given. */
    private void hostilePlugin(String create, String score, String inputs) throws Exception {
        String src = "package hostile;\n"
                + "import io.genpipe.api.*;\nimport io.genpipe.api.data.*;\nimport io.genpipe.api.spi.*;\nimport java.util.List;\n"
                + "public final class HostilePlugin implements GenpipePlugin {\n"
                + "  static int depth(int n) { return depth(n + 1) + 1; }\n"
                + "  public List<ScorerFactory> scorers() {\n"
                + "    return List.of(ScorerFactory.of(\"bad\", \"misbehaves\", List.of(), (p, c) -> {\n"
                + "      " + create + "\n"
                + "      return new Scorer() {\n"
                + "        public List<PortSpec> inputs() { return " + inputs + "; }\n"
                + "        public List<PortSpec> outputs() { return List.of(PortSpec.of(\"score\", DType.FLOAT64, \"batch\")); }\n"
                + "        public String quantity() { return \"bad\"; }\n"
                + "        public ScoreDirection direction() { return ScoreDirection.HIGHER_IS_MORE; }\n"
                + "        public double[] score(Batch b) { " + score + " }\n"
                + "      };\n"
                + "    }));\n"
                + "  }\n"
                + "}\n";
        plugin("hostile").source("hostile.HostilePlugin", src).build(plugins.resolve("hostile.jar"));
    }

    private static final String PORTS = "List.of(PortSpec.of(\"x\", DType.FLOAT32, \"batch\", \"n\"))";
    private static final String SCORE =
            "steps:\n  - id: z\n    use: gaussian\n    with: {dim: 2, column: x, rows: 600}\n"
                    + "  - id: s\n    use: bad\n    inputs: [z]\n  - id: rows\n    use: jsonl-sink\n    inputs: [s]\n";

    @Test
    void aPluginThatThrowsIsNamedWithWhereItThrew() throws Exception {
        hostilePlugin(
                "",
                "if (b.meta(0).id().equals(\"z-512\")) throw new IllegalStateException(\"boom\"); return new double[b.rows()];",
                PORTS);
        assertFailed(
                run(SCORE, Map.of()),
                "genpipe: step 's' failed: scorer 'bad' (plugin 'hostile' 1.0.0) failed:"
                        + " java.lang.IllegalStateException: boom (at hostile.HostilePlugin$1.score(HostilePlugin.java:16));"
                        + " no output was written");
        // GENPIPE_DEBUG=1 adds the whole stack trace, down to the plugin's frame
        Files.writeString(dir.resolve("p.yaml"), SCORE);
        Repo.Run debug = Repo.genpipeIn(
                dir,
                Map.of("GENPIPE_DEBUG", "1"),
                "run",
                "p.yaml",
                "--out",
                "out",
                "--plugins-dir",
                plugins.toString());
        assertEquals(1, debug.exitCode(), debug.err());
        assertTrue(
                debug.err()
                        .contains("Caused by: java.lang.IllegalStateException: boom\n"
                                + "\tat genpipe-plugin-hostile//hostile.HostilePlugin$1.score(HostilePlugin.java:16)"),
                debug.err());
    }

    @Test
    void aPluginCallingSystemExitNeverEndsGenpipeWithSuccess() throws Exception {
        hostilePlugin("", "System.exit(0); return null;", PORTS);
        Repo.Run r = run(SCORE, Map.of());
        assertFailed(
                r,
                "genpipe: plugin 'hostile' (hostile.HostilePlugin$1.score, thread genpipe-step-s) called System.exit"
                        + " while genpipe was running; plugin code may not end genpipe: the run is stopped and nothing was written");
    }

    @Test
    void aPluginStuckInItsFactoryIsGivenUpOn() throws Exception {
        hostilePlugin("while (System.nanoTime() > 0) { Thread.onSpinWait(); }", "return new double[b.rows()];", PORTS);
        assertInvalid(
                genpipe(
                        Map.of("GENPIPE_CREATE_TIMEOUT_S", "2"),
                        "validate",
                        write(SCORE),
                        "--plugins-dir",
                        plugins.toString()),
                "step 's': scorer 'bad' could not be created: its factory did not return within 2 s, so"
                        + " genpipe gave up on it (plugin 'hostile' 1.0.0 (" + plugins.resolve("hostile.jar")
                        + "); is its factory or"
                        + " constructor stuck in a loop? GENPIPE_CREATE_TIMEOUT_S sets the limit)");
    }

    /**
     * A plugin with one sampler, "hostile-sampler": {@code constructor} runs in the plugin class's
     * constructor, {@code listing} in its samplers(), {@code sample} is the sampler's sample body.
     */
    private void hostileSampler(String constructor, String listing, String sample) throws Exception {
        String src = "package hostile;\n"
                + "import io.genpipe.api.*;\nimport io.genpipe.api.data.*;\nimport io.genpipe.api.spi.*;\n"
                + "import java.util.List;\n"
                + "public final class HostilePlugin implements GenpipePlugin {\n"
                + "  public HostilePlugin() { " + constructor + " }\n"
                + "  public List<SamplerFactory> samplers() {\n"
                + "    " + listing + "\n"
                + "    return List.of(SamplerFactory.of(\"hostile-sampler\", \"misbehaves\", List.of(), (p, c) ->\n"
                + "      new Sampler() {\n"
                + "        public List<PortSpec> inputs() { return List.of(); }\n"
                + "        public List<PortSpec> outputs() {\n"
                + "          return List.of(PortSpec.of(\"x\", DType.FLOAT32, \"batch\", 2)); }\n"
                + "        public Batch sample(Batch b, RandomSource r) { " + sample + " }\n"
                + "      }));\n"
                + "  }\n"
                + "}\n";
        plugin("hostile").source("hostile.HostilePlugin", src).build(plugins.resolve("hostile.jar"));
    }

    private static final String SPIN = "while (System.nanoTime() > 0) { Thread.onSpinWait(); }";

    private static final String SAMPLE = "steps:\n  - id: z\n    use: hostile-sampler\n    with: {rows: 10}\n"
            + "  - id: rows\n    use: jsonl-sink\n    inputs: [z]\n";

    @Test
    void aPluginStuckInItsConstructorIsNamedAndSkippedByDoctorAndRefusedByRun() throws Exception {
        hostileSampler(SPIN, "", "return null;");
        Map<String, String> env = Map.of("GENPIPE_PLUGIN_LOAD_TIMEOUT_S", "2");
        String named = "Plugin 'hostile' (" + plugins.resolve("hostile.jar") + "): creating hostile.HostilePlugin did"
                + " not return within 2 s, so genpipe gave up on the plugin (a plugin's constructor and listing"
                + " methods must do no work: load models in a factory's create(); GENPIPE_PLUGIN_LOAD_TIMEOUT_S sets"
                + " the limit)";
        Repo.Run doctor = genpipe(env, "doctor", "--plugins-dir", plugins.toString());
        assertEquals(1, doctor.exitCode(), doctor.err());
        assertTrue((doctor.out() + doctor.err()).contains(named), doctor.out() + doctor.err());
        // the other plugins were still probed: the doctor went on without this one
        assertTrue(doctor.out().contains("gan-generator"), doctor.out());
        assertInvalid(run(SAMPLE, env), named);
    }

    @Test
    void aPluginStuckListingItsComponentsIsNamed() throws Exception {
        hostileSampler("", "if (true) { " + SPIN + " }", "return null;");
        assertInvalid(
                run(SAMPLE, Map.of("GENPIPE_PLUGIN_LOAD_TIMEOUT_S", "2")),
                "Plugin 'hostile' (" + plugins.resolve("hostile.jar") + "): samplers() did not return within 2 s,"
                        + " so genpipe gave up on the plugin");
    }

    @Test
    void aNullBatchFromAPluginIsNamed() throws Exception {
        hostileSampler("", "", "return null;");
        assertFailed(
                run(SAMPLE, Map.of()),
                "genpipe: step 'z' failed: sampler 'hostile-sampler' (plugin 'hostile' 1.0.0) returned no batch for 10"
                        + " draws; a sampler returns one row per draw; no output was written");
    }

    private String write(String yaml) throws Exception {
        Files.writeString(dir.resolve("p.yaml"), yaml);
        return "p.yaml";
    }

    @Test
    void errorsInAFactoryAreMessagesNotStackTraces() throws Exception {
        hostilePlugin("if (true) throw new OutOfMemoryError(\"pretend\");", "return null;", PORTS);
        assertInvalid(
                validate(SCORE),
                "step 's': scorer 'bad' (plugin 'hostile' 1.0.0 (" + plugins.resolve("hostile.jar")
                        + ")) could not be created: java.lang.OutOfMemoryError: pretend (at hostile.HostilePlugin.lambda$scorers$0(");
        hostilePlugin("depth(0);", "return null;", PORTS);
        assertInvalid(
                validate(SCORE), "could not be created: java.lang.StackOverflowError (at hostile.HostilePlugin.depth(");
        hostilePlugin("", "return null;", "null");
        assertInvalid(
                validate(SCORE),
                "step 's': scorer 'bad' (plugin 'hostile' 1.0.0): its inputs() returned null; a component"
                        + " declares its ports as a list (List.of() for none)");
    }

    @Test
    void nanScoresFailTheStepUnlessWarnIsAsked() throws Exception {
        hostilePlugin("", "double[] s = new double[b.rows()]; s[b.rows() - 1] = Double.NaN; return s;", PORTS);
        assertFailed(
                run(SCORE, Map.of()),
                "genpipe: step 's' failed: column 's' of row 'z-255' is NaN; set nonFinite: warn at"
                        + " the top of the file to pass such values on; no output was written");
        Repo.Run warned = run("nonFinite: warn\n" + SCORE, Map.of());
        assertEquals(0, warned.exitCode(), warned.err());
        assertTrue(
                warned.err()
                        .contains(
                                "genpipe: warning: step 's': column 's' of row 'z-255' is NaN (passed on: nonFinite is warn)"),
                warned.err());
    }

    @Test
    void portsThatLieAreCaughtAtTheStepBoundary() throws Exception {
        String src = "package liar;\n"
                + "import io.genpipe.api.*;\nimport io.genpipe.api.data.*;\nimport io.genpipe.api.spi.*;\nimport java.util.List;\n"
                + "public final class LiarPlugin implements GenpipePlugin {\n"
                + "  public List<EncoderFactory> encoders() {\n"
                + "    return List.of(EncoderFactory.of(\"liar\", \"declares y: float32[batch,3], returns [batch,2]\", List.of(),"
                + " (p, c) -> new Encoder() {\n"
                + "      public List<PortSpec> inputs() { return List.of(PortSpec.of(\"x\", DType.FLOAT32, \"batch\", 2)); }\n"
                + "      public List<PortSpec> outputs() { return List.of(PortSpec.of(\"y\", DType.FLOAT32, \"batch\", 3)); }\n"
                + "      public Batch encode(Batch b) {\n"
                + "        return Batch.builder(b.rows()).meta(b.meta()).column(\"y\", BufferTensor.ofFloats(new float[b.rows() * 2],"
                + " b.rows(), 2)).build();\n"
                + "      }\n"
                + "    }));\n"
                + "  }\n"
                + "}\n";
        plugin("liar").source("liar.LiarPlugin", src).build(plugins.resolve("liar.jar"));
        assertFailed(
                run(
                        "steps:\n  - id: z\n    use: gaussian\n    with: {dim: 2, column: x, rows: 10}\n"
                                + "  - id: e\n    use: liar\n    inputs: [z]\n  - id: rows\n    use: jsonl-sink\n    inputs: [e]\n",
                        Map.of()),
                "genpipe: step 'e' failed: encoder 'liar' (plugin 'liar' 1.0.0) returned a column that does not match its"
                        + " declared ports: port 'y': expected float32[batch,3], found float32[10,2]; no output was written");
    }
}
