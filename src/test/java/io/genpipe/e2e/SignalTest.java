package io.genpipe.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SIGINT and SIGTERM in the middle of a run: the JVM exits without crashing (no hs_err file, exit
 * 128 + signal), and neither the output folder nor a temporary folder stays.
 */
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
