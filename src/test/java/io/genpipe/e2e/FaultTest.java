package io.genpipe.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults around a run: a full disk, two runs writing the same folder at once, a run killed with
 * SIGKILL and run again. (SIGINT / SIGTERM: SignalTest.)
 */
@Tag("slow")
class FaultTest {

    @TempDir
    Path dir;

    private Process start(String pipeline, Path out, String... more) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Repo.root().resolve("genpipe").toString(),
                "run",
                Repo.root().resolve(pipeline).toString(),
                "--out",
                out.toString()));
        command.addAll(List.of(more));
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(dir.resolve("a.out").toFile())
                .redirectError(dir.resolve("a.err").toFile());
        pb.environment().put("GENPIPE_NO_BUILD", "1");
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (partials(out.getParent()).isEmpty() && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(
                p.isAlive(),
                "the first run ended before the test could use it: " + Files.readString(dir.resolve("a.err")));
        return p;
    }

    private static List<String> partials(Path folder) throws Exception {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(folder)) {
            return list.map(f -> f.getFileName().toString())
                    .filter(n -> n.contains(".partial-"))
                    .toList();
        }
    }

    @Test
    void aSecondRunOfTheSameFolderIsRefusedWhileTheFirstRuns() throws Exception {
        Path out = dir.resolve("runs/flagship");
        Process first =
                start("pipelines/ood-likelihood.yaml", out, "--set", "test.limit=300"); // ~15 s: long enough to overlap
        Repo.Run second;
        try {
            second = Repo.genpipeIn(
                    dir,
                    Map.of(),
                    "run",
                    Repo.root().resolve("pipelines/latent-walk.yaml").toString(),
                    "--out",
                    out.toString());
        } catch (RuntimeException | AssertionError e) {
            first.destroyForcibly();
            throw e;
        }
        assertEquals(1, second.exitCode(), second.err());
        assertEquals(
                "genpipe: another genpipe run is writing " + out + " (it holds " + dir.resolve("runs/.flagship.lock")
                        + "); wait for it to finish or choose another --out\n",
                second.err().lines().filter(l -> !l.startsWith("genpipe: step")).reduce("", (a, b) -> a + b + "\n"));
        if (!first.waitFor(120, TimeUnit.SECONDS)) {
            first.destroyForcibly();
            throw new AssertionError("the first run did not finish in 120 s");
        }
        assertEquals(0, first.exitValue(), Files.readString(dir.resolve("a.err")));
        assertTrue(Files.readString(out.resolve("run.json")).contains("ood-likelihood"), "the first run's output");
        assertFalse(Files.exists(out.resolve("latent-walk.png")), "the runs were merged");
    }

    @Test
    void aKilledRunsTemporaryFolderIsRemovedByTheNextRun() throws Exception {
        Path out = dir.resolve("runs/flagship");
        Process first = start("pipelines/anomaly-augment.yaml", out);
        first.destroyForcibly(); // SIGKILL: no hook runs
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        List<String> left = partials(dir.resolve("runs"));
        assertEquals(1, left.size(), "SIGKILL leaves the temporary folder");
        Repo.Run again = Repo.genpipeIn(
                dir,
                Map.of(),
                "run",
                Repo.root().resolve("pipelines/latent-walk.yaml").toString(),
                "--out",
                out.toString());
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(
                again.err()
                        .contains("genpipe: removed " + dir.resolve("runs").resolve(left.get(0))
                                + ", left by an earlier run of " + out + " that was killed\n"),
                again.err());
        assertEquals(List.of(), partials(dir.resolve("runs")));
        assertTrue(Files.exists(out.resolve("latent-walk.png")));
    }

    @Test
    void aFullDiskFailsNamingTheFileAndLeavesNothing() throws Exception {
        Path small = Files.createDirectories(dir.resolve("small"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString())
                .redirectErrorStream(true)
                .start();
        boolean mounted = mount.waitFor(10, TimeUnit.SECONDS) && mount.exitValue() == 0;
        Assumptions.assumeTrue(
                mounted,
                "cannot mount a small tmpfs here (needs root): "
                        + new String(mount.getInputStream().readAllBytes(), UTF_8));
        try {
            Files.writeString(
                    dir.resolve("big.yaml"),
                    "steps:\n  - id: z\n    use: gaussian\n    with: {dim: 8, column: x, rows: 200000}\n"
                            + "  - id: rows\n    use: jsonl-sink\n    inputs: [z]\n");
            Repo.Run run = Repo.genpipeIn(
                    dir,
                    Map.of(),
                    "run",
                    "big.yaml",
                    "--out",
                    small.resolve("out").toString());
            assertEquals(1, run.exitCode(), run.err());
            assertEquals(
                    "genpipe: step 'rows' failed: cannot write rows.jsonl: No space left on device; no output was written\n",
                    run.err());
            try (Stream<Path> files = Files.list(small)) {
                assertEquals(
                        List.of(), files.map(f -> f.getFileName().toString()).toList());
            }
        } finally {
            new ProcessBuilder("umount", small.toString()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
