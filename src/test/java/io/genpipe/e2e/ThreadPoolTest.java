package io.genpipe.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The thread settings from the command line and the pipeline file: the shared pool (default) and
 * per-session pools write the same bytes; a bad value is refused naming the option or the line.
 */
class ThreadPoolTest {

    @TempDir
    Path dir;

    @Test
    void sharedAndPerSessionPoolsWriteTheSameBytes() throws Exception {
        String[][] modes = {
            {}, {"--thread-pool", "per-session"}, {"--thread-pool", "per-session", "--threads", "1"}, {"--threads", "1"}
        };
        byte[] first = null;
        for (int i = 0; i < modes.length; i++) {
            Path out = dir.resolve("walk-" + i);
            String[] args = new String[4 + modes[i].length];
            args[0] = "run";
            args[1] = "pipelines/latent-walk.yaml";
            args[2] = "--out";
            args[3] = out.toString();
            System.arraycopy(modes[i], 0, args, 4, modes[i].length);
            Repo.Run r = Repo.genpipe(Map.of(), args);
            assertEquals(0, r.exitCode(), r.err());
            byte[] png = Files.readAllBytes(out.resolve("latent-walk.png"));
            if (first == null) {
                first = png;
            } else {
                assertArrayEquals(first, png, "latent-walk.png differs with " + String.join(" ", modes[i]));
            }
        }
    }

    @Test
    void badThreadSettingsAreRefusedNamingWhere() throws Exception {
        Path file = Repo.root().resolve("pipelines/latent-walk.yaml");
        Repo.Run pool = Repo.genpipe(Map.of(), "validate", "pipelines/latent-walk.yaml", "--thread-pool", "own");
        assertEquals(2, pool.exitCode());
        assertEquals(
                "genpipe: pipelines/latent-walk.yaml is invalid (1 problem); nothing was run\n  " + file
                        + ": --thread-pool own: must be shared (one intra-op pool for every model step) or per-session (each"
                        + " model its own)",
                pool.err().strip());
        Repo.Run threads = Repo.genpipe(Map.of(), "validate", "pipelines/latent-walk.yaml", "--threads", "-1");
        assertEquals(2, threads.exitCode());
        assertEquals(
                "genpipe: pipelines/latent-walk.yaml is invalid (1 problem); nothing was run\n  " + file
                        + ": --threads -1: must be from 0 (ONNX Runtime's choice: one per physical core) to 1024",
                threads.err().strip());

        Path bad = dir.resolve("threads.yaml");
        Files.writeString(
                bad,
                "name: threads\nthreadPool: private\nthreads: 5000\nsteps:\n"
                        + "  - id: prior\n    use: vae-prior\n    with: {rows: 4}\n");
        Repo.Run file2 = Repo.genpipe(Map.of(), "validate", bad.toString());
        assertEquals(2, file2.exitCode());
        assertEquals(
                "genpipe: " + bad + " is invalid (2 problems); nothing was run\n"
                        + "  " + bad
                        + ":2:13: threadPool must be shared (one intra-op pool for every model step) or per-session"
                        + " (each model its own); found 'private'\n"
                        + "  " + bad + ":3:10: threads must be from 0 (ONNX Runtime's choice) to 1024; found 5000",
                file2.err().strip());
    }

    @Test
    void aPipelineFileCanAskForPerSessionPools() throws Exception {
        Path file = dir.resolve("own.yaml");
        Files.writeString(
                file,
                "name: own\nthreadPool: per-session\nthreads: 1\nout: " + dir.resolve("own-out") + "\n"
                        + "steps:\n  - id: prior\n    use: vae-prior\n    with: {rows: 8}\n"
                        + "  - id: decode\n    use: vae-decoder\n    inputs: [prior]\n"
                        + "  - id: grid\n    use: image-grid\n    inputs: [decode]\n");
        Repo.Run r = Repo.genpipe(Map.of(), "run", file.toString());
        assertEquals(0, r.exitCode(), r.err());
        Path shared = dir.resolve("shared-out");
        Repo.Run s =
                Repo.genpipe(Map.of(), "run", file.toString(), "--thread-pool", "shared", "--out", shared.toString());
        assertEquals(0, s.exitCode(), s.err());
        assertArrayEquals(
                Files.readAllBytes(dir.resolve("own-out/grid.png")), Files.readAllBytes(shared.resolve("grid.png")));
    }
}
