package io.genpipe.e2e;

import static io.genpipe.runtime.testing.PluginJarBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SIGINT and SIGTERM in the middle of a run: the JVM exits without crashing (no hs_err file, exit
 * 128 + signal), and neither the output folder nor a temporary folder stays.
 */
@Tag("slow")
class SignalTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} after {1} ms of running steps")
    @CsvSource({"INT, 50", "INT, 400", "TERM, 50", "TERM, 400"})
    void aSignalMidRunLeavesNothingAndDoesNotCrash(String signal, int afterMs) throws Exception {
        Path out = dir.resolve("runs/flagship");
        ProcessBuilder pb = new ProcessBuilder(
                        Repo.root().resolve("genpipe").toString(),
                        "run",
                        Repo.root().resolve("pipelines/anomaly-augment.yaml").toString(),
                        "--out",
                        out.toString())
                .directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(dir.resolve("stderr.txt").toFile());
        pb.environment().put("GENPIPE_NO_BUILD", "1");
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!partialExists() && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(
                p.isAlive(),
                "the run ended before it could be interrupted: " + Files.readString(dir.resolve("stderr.txt")));
        Thread.sleep(afterMs);
        new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid()))
                .inheritIO()
                .start()
                .waitFor();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "genpipe did not exit after SIG" + signal);
        String err = Files.readString(dir.resolve("stderr.txt"));
        try (Stream<Path> files = Files.list(dir)) {
            List<String> crashes = files.map(f -> f.getFileName().toString())
                    .filter(n -> n.startsWith("hs_err"))
                    .toList();
            assertEquals(List.of(), crashes, err);
        }
        if (p.exitValue() == 0) {
            // the signal came as the run finished: then the whole output is there
            assertTrue(Files.exists(out.resolve("run.json")), err);
        } else {
            assertEquals(128 + (signal.equals("INT") ? 2 : 15), p.exitValue(), err);
            assertFalse(Files.exists(out), "output folder after SIG" + signal);
        }
        assertFalse(partialExists(), "temporary folder after SIG" + signal);
    }

    /**
     * A plugin whose sampler spins and ignores interruption: SIGTERM still ends the run within the grace (10 s,
     * then genpipe leaves the step behind), with 143, and leaves no output, temporary folder or lock file.
     */
    @Test
    void aSignalEndsARunWhosePluginIgnoresInterruption() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        String src = "package spin;\n"
                + "import io.genpipe.api.*;\nimport io.genpipe.api.data.*;\nimport io.genpipe.api.spi.*;\n"
                + "import java.util.List;\n"
                + "public final class SpinPlugin implements GenpipePlugin {\n"
                + "  public List<SamplerFactory> samplers() {\n"
                + "    return List.of(SamplerFactory.of(\"spin\", \"never returns\", List.of(), (p, c) ->\n"
                + "      new Sampler() {\n"
                + "        public List<PortSpec> inputs() { return List.of(); }\n"
                + "        public List<PortSpec> outputs() {\n"
                + "          return List.of(PortSpec.of(\"x\", DType.FLOAT32, \"batch\", 2)); }\n"
                + "        public Batch sample(Batch b, RandomSource r) {\n"
                + "          while (System.nanoTime() > 0) { Thread.onSpinWait(); }\n"
                + "          return null;\n"
                + "        }\n"
                + "      }));\n"
                + "  }\n"
                + "}\n";
        plugin("spin").source("spin.SpinPlugin", src).build(plugins.resolve("spin.jar"));
        Files.writeString(
                dir.resolve("p.yaml"),
                "steps:\n  - id: z\n    use: spin\n    with: {rows: 10}\n  - id: rows\n    use: jsonl-sink\n"
                        + "    inputs: [z]\n");
        Path out = dir.resolve("runs/flagship");
        ProcessBuilder pb = new ProcessBuilder(
                        Repo.root().resolve("genpipe").toString(),
                        "run",
                        "p.yaml",
                        "--out",
                        out.toString(),
                        "--plugins-dir",
                        plugins.toString())
                .directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(dir.resolve("stderr.txt").toFile());
        pb.environment().put("GENPIPE_NO_BUILD", "1");
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!partialExists() && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(500); // the sampler is spinning now
        assertTrue(p.isAlive(), Files.readString(dir.resolve("stderr.txt")));
        long signalled = System.nanoTime();
        new ProcessBuilder("kill", "-TERM", Long.toString(p.pid()))
                .inheritIO()
                .start()
                .waitFor();
        assertTrue(p.waitFor(40, TimeUnit.SECONDS), "genpipe did not exit after SIGTERM");
        double seconds = (System.nanoTime() - signalled) / 1e9;
        String err = Files.readString(dir.resolve("stderr.txt"));
        assertEquals(143, p.exitValue(), err);
        assertTrue(seconds < 20, "took " + seconds + " s after the signal");
        assertTrue(
                err.contains("genpipe: run stopped by a signal (step z did not stop within 10 s and was left running);"
                        + " no output was written"),
                err);
        assertFalse(Files.exists(out), "output folder after SIGTERM");
        assertFalse(partialExists(), "temporary folder after SIGTERM");
        assertFalse(Files.exists(dir.resolve("runs/.flagship.lock")), "lock file after SIGTERM");
    }

    private boolean partialExists() throws Exception {
        Path runs = dir.resolve("runs");
        if (!Files.isDirectory(runs)) {
            return false;
        }
        try (Stream<Path> list = Files.list(runs)) {
            return list.anyMatch(f -> f.getFileName().toString().startsWith(".flagship.partial-"));
        }
    }
}
