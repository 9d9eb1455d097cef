package io.genpipe.e2e;

import static io.genpipe.runtime.testing.PluginJarBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genpipe.api.ApiVersion;
import io.genpipe.runtime.testing.PluginJarBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a plugin author sees from {@code genpipe run} and {@code genpipe doctor} when the plugin is
 * broken: a bug in a component, a bundled library left out, a model resource missing or corrupt, an
 * api version this genpipe cannot host. Each message is pinned.
 */
class PluginDiagnosticsTest {

    @TempDir
    static Path dir;

    static Path plugins;
    static Path wrongApi;
    static Path data;

    static final String SOURCE = """
            package diag;
            import io.genpipe.api.*;
            import io.genpipe.api.data.*;
            import io.genpipe.api.spi.*;
            import java.util.*;
            public final class DiagPlugin implements GenpipePlugin {
              static ScorerFactory scorer(String name, java.util.function.BiFunction<Batch, PluginContext, double[]> body,
                                          String model) {
                return new ScorerFactory() {
                  public String name() { return name; }
                  public String description() { return name; }
                  public Scorer create(Parameters p, PluginContext c) {
                    if (model != null) c.loadModel(model);
                    return new Scorer() {
                      public List<PortSpec> inputs() { return List.of(PortSpec.of("x", DType.FLOAT32, "batch", 2)); }
                      public List<PortSpec> outputs() { return List.of(PortSpec.of("score", DType.FLOAT64, "batch")); }
                      public String quantity() { return "q"; }
                      public ScoreDirection direction() { return ScoreDirection.HIGHER_IS_MORE; }
                      public double[] score(Batch b) { return body.apply(b, c); }
                    };
                  }
                };
              }
              static double[] bug(Batch b, PluginContext c) {
                throw new IllegalStateException("the sharpening kernel is not initialised");
              }
              static double[] usesLibrary(Batch b, PluginContext c) {
                return new double[] {lib.Helper.value()};
              }
              public List<ScorerFactory> scorers() {
                return List.of(
                    scorer("diag-bug", DiagPlugin::bug, null),
                    scorer("diag-library", DiagPlugin::usesLibrary, null),
                    scorer("diag-missing-model", (b, c) -> new double[b.rows()], "diag/missing.onnx"),
                    scorer("diag-corrupt-model", (b, c) -> new double[b.rows()], "diag/corrupt.onnx"));
              }
            }
            """;

    @BeforeAll
    static void build() throws Exception {
        Path lib = plugin("lib")
                .descriptor(null)
                .noServiceEntry()
                .source(
                        "lib.Helper",
                        "package lib; public final class Helper { public static double value() { return 1; } }")
                .build(dir.resolve("build/lib.jar"));
        plugins = Files.createDirectories(dir.resolve("plugins"));
        plugin("diag")
                .source("diag.DiagPlugin", SOURCE)
                .compileAgainst(lib)
                .entry("diag/corrupt.onnx", "this is not an ONNX model".getBytes(StandardCharsets.UTF_8))
                .build(plugins.resolve("diag.jar")); // lib.jar is left out of the plugin's folder
        wrongApi = Files.createDirectories(dir.resolve("wrong-api"));
        plugin("future")
                .descriptor("name=future\nversion=2.1.0\napiVersion=2.0\n")
                .source("future.FuturePlugin", PluginJarBuilder.scorerPlugin("future", "FuturePlugin", "future-scorer"))
                .build(wrongApi.resolve("future.jar"));
        data = dir.resolve("rows.csv");
        Files.writeString(data, "a,b\n1,2\n3,4\n");
    }

    static Path pipeline(String component) throws Exception {
        Path file = dir.resolve(component + ".yaml");
        Files.writeString(
                file,
                "name: diag\nout: " + dir.resolve("out-" + component) + "\nsteps:\n"
                        + "  - id: rows\n    use: csv-source\n    with: {file: rows.csv, values: [a, b]}\n"
                        + "  - id: sharp\n    use: " + component + "\n    inputs: [rows]\n"
                        + "  - id: table\n    use: csv-sink\n    inputs: [sharp]\n");
        return file;
    }

    static Repo.Run run(String component, String... extra) throws Exception {
        String[] args = new String[4 + extra.length];
        args[0] = "run";
        args[1] = pipeline(component).toString();
        args[2] = "--plugins-dir";
        args[3] = plugins.toString();
        System.arraycopy(extra, 0, args, 4, extra.length);
        return Repo.genpipe(Map.of(), args);
    }

    static final String BUG = "scorer 'diag-bug' (plugin 'diag' 1.0.0) failed: java.lang.IllegalStateException: the"
            + " sharpening kernel is not initialised (at diag.DiagPlugin.bug(DiagPlugin.java:25))";

    static String library(Path pluginsDir) {
        return "scorer 'diag-library' (plugin 'diag' 1.0.0) failed: java.lang.NoClassDefFoundError: lib/Helper (class"
                + " lib.Helper is missing: a plugin sees only its own jars, io.genpipe.api and the JDK; the plugin is the"
                + " single jar " + pluginsDir.resolve("diag.jar") + ": make it a folder " + pluginsDir.resolve("diag")
                + "/ holding diag.jar and the jar that holds lib.Helper) (at diag.DiagPlugin.usesLibrary(DiagPlugin.java:28))";
    }

    static final String MISSING =
            "scorer 'diag-missing-model' could not be created: Plugin 'diag' has no model resource"
                    + " 'diag/missing.onnx'; check the path inside the plugin jar (no leading slash)";

    static final String CORRUPT =
            "scorer 'diag-corrupt-model' could not be created: model diag:diag/corrupt.onnx could not"
                    + " be loaded by ONNX Runtime 1.29.0: Error code - ORT_INVALID_PROTOBUF - message: Failed to load model because"
                    + " protobuf parsing failed.. Is it an ONNX model (opset <= what this ONNX Runtime supports)?";

    @Test
    void aBugInAComponentNamesPluginComponentStepExceptionAndFrame() throws Exception {
        Repo.Run r = run("diag-bug");
        assertEquals(1, r.exitCode());
        assertEquals(
                "genpipe: step 'sharp' failed: " + BUG + "; no output was written",
                r.err().strip());
        assertFalse(Files.exists(dir.resolve("out-diag-bug")));
    }

    @Test
    void debugPrintsTheWholeStackTrace() throws Exception {
        for (Repo.Run r : new Repo.Run[] {
            run("diag-bug", "--debug"),
            Repo.genpipe(
                    Map.of("GENPIPE_DEBUG", "1"),
                    "run",
                    pipeline("diag-bug").toString(),
                    "--plugins-dir",
                    plugins.toString())
        }) {
            assertEquals(1, r.exitCode());
            assertTrue(
                    r.err().startsWith("genpipe: step 'sharp' failed: " + BUG + "; no output was written\n"), r.err());
            assertTrue(
                    r.err()
                            .contains(
                                    "Caused by: java.lang.IllegalStateException: the sharpening kernel is not initialised"),
                    r.err());
            assertTrue(r.err().contains("\tat genpipe-plugin-diag//diag.DiagPlugin.bug(DiagPlugin.java:25)"), r.err());
        }
    }

    @Test
    void aMissingBundledLibrarySaysWhichClassAndWhereItsJarBelongs() throws Exception {
        Repo.Run r = run("diag-library");
        assertEquals(1, r.exitCode());
        assertEquals(
                "genpipe: step 'sharp' failed: " + library(plugins) + "; no output was written",
                r.err().strip());

        // installed as a folder, the advice is to put the library in that folder
        Path folders = Files.createDirectories(dir.resolve("folders/diag"));
        Files.copy(plugins.resolve("diag.jar"), folders.resolve("diag.jar"));
        Repo.Run f = Repo.genpipe(
                Map.of(),
                "run",
                pipeline("diag-library").toString(),
                "--plugins-dir",
                folders.getParent().toString());
        assertEquals(1, f.exitCode());
        assertEquals(
                "genpipe: step 'sharp' failed: scorer 'diag-library' (plugin 'diag' 1.0.0) failed:"
                        + " java.lang.NoClassDefFoundError: lib/Helper (class lib.Helper is missing: a plugin sees only its own jars,"
                        + " io.genpipe.api and the JDK; put the jar that holds it in the plugin's folder " + folders
                        + "/, beside"
                        + " diag.jar) (at diag.DiagPlugin.usesLibrary(DiagPlugin.java:28)); no output was written",
                f.err().strip());
    }

    @Test
    void aMissingOrCorruptModelResourceIsFoundBeforeAnythingRuns() throws Exception {
        for (String[] c : new String[][] {{"diag-missing-model", MISSING}, {"diag-corrupt-model", CORRUPT}}) {
            Path file = dir.resolve(c[0] + ".yaml");
            Repo.Run r = run(c[0]);
            assertEquals(2, r.exitCode());
            assertEquals(
                    "genpipe: " + file + " is invalid (1 problem); nothing was run\n  " + file + ":7:5: step 'sharp': "
                            + c[1],
                    r.err().strip());
        }
    }

    @Test
    void doctorProbesEveryComponentAndReportsEachBrokenOne() throws Exception {
        Repo.Run d = Repo.genpipe(Map.of(), "doctor", "--plugins-dir", plugins.toString());
        assertEquals(1, d.exitCode(), d.out());
        for (String broken : new String[] {
            BUG.replace(") failed: ", ") failed on a probe row: "),
            library(plugins).replace(") failed: ", ") failed on a probe row: "),
            MISSING,
            CORRUPT
        }) {
            assertTrue(
                    d.out().contains("\n  broken: " + broken + "\n"),
                    "doctor output lacks " + broken + ":\n" + d.out());
            assertTrue(
                    d.out().contains("\n  - " + broken + "\n"), "doctor's problems lack " + broken + ":\n" + d.out());
        }
        assertTrue(d.out().contains(", 4 broken, "), d.out());

        Repo.Run json = Repo.genpipe(Map.of(), "doctor", "--json", "--plugins-dir", plugins.toString());
        assertEquals(1, json.exitCode());
        JsonNode report = new ObjectMapper().readTree(json.out());
        assertFalse(report.get("ok").asBoolean());
        assertTrue(report.get("onnxruntime").get("threadPool").get("shared").asBoolean(), json.out());
        assertEquals(
                0, report.get("onnxruntime").get("threadPool").get("threads").asInt());
        assertTrue(
                d.out()
                        .contains(
                                "\n  thread pool: one intra-op pool shared by every session, ONNX Runtime's default"
                                        + " size (one thread per physical core) (--threads / threads: in a pipeline file set it for runs)\n"),
                d.out());
        Map<String, String> broken = new TreeMap<>();
        for (JsonNode c : report.get("components")) {
            if (c.get("status").asText().equals("broken")) {
                broken.put(c.get("name").asText(), c.get("detail").asText());
            }
            assertEquals(
                    c.get("name").asText().startsWith("diag-")
                            ? "'diag' 1.0.0"
                            : c.get("plugin").asText(),
                    c.get("plugin").asText());
        }
        assertEquals(
                Map.of(
                        "diag-bug",
                        BUG.replace(") failed: ", ") failed on a probe row: "),
                        "diag-library",
                        library(plugins).replace(") failed: ", ") failed on a probe row: "),
                        "diag-missing-model",
                        MISSING,
                        "diag-corrupt-model",
                        CORRUPT),
                broken);
    }

    @Test
    void aWrongApiVersionStopsRunAndDoctorNamingTheFix() throws Exception {
        String problem =
                "Plugin 'future' 2.1.0 (" + wrongApi.resolve("future.jar") + ") was built for genpipe-api 2.0, but"
                        + " this genpipe provides genpipe-api " + ApiVersion.CURRENT
                        + "; rebuild the plugin against genpipe-api "
                        + ApiVersion.CURRENT;
        Path file = pipeline("future-scorer");
        Repo.Run r = Repo.genpipe(Map.of(), "run", file.toString(), "--plugins-dir", wrongApi.toString());
        assertEquals(2, r.exitCode());
        assertEquals(
                "genpipe: " + file + " is invalid (1 problem); nothing was run\n  " + file + ": " + problem,
                r.err().strip());
        Repo.Run d = Repo.genpipe(Map.of(), "doctor", "--plugins-dir", wrongApi.toString());
        assertEquals(1, d.exitCode());
        assertTrue(
                d.out()
                        .contains("Components: not probed (the problems above stop genpipe from starting; fix them"
                                + " first)\nProblems (1):\n  - " + problem + "\n"),
                d.out());
    }
}
