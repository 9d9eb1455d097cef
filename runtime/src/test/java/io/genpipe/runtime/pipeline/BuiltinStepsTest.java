package io.genpipe.runtime.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.builtin.Walks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuiltinStepsTest {

    @TempDir
    Path dir;

    private RunResult run(String yaml) throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, yaml);
        PipelineDefinition d = new PipelineReader().read(file);
        try (Genpipe genpipe = Genpipe.builder().seed(d.seed()).baseDir(dir).build()) {
            return new PipelineRunner(genpipe, line -> {})
                    .run(new PipelineValidator(genpipe).validate(d), dir.resolve("out"));
        }
    }

    @Test
    void relabelCyclesAcrossBatches() throws Exception {
        run("batchSize: 3\nsteps:\n"
                + "  - id: z\n    use: gaussian\n    with: {dim: 2, rows: 7}\n"
                + "  - id: l\n    use: relabel\n    inputs: [z]\n    with: {cycle: 4}\n"
                + "  - id: rows\n    use: jsonl-sink\n    inputs: [l]\n");
        List<String> lines = Files.readAllLines(dir.resolve("out/rows.jsonl"));
        for (int i = 0; i < 7; i++) {
            assertTrue(lines.get(i).startsWith("{\"id\":\"z-" + i + "\",\"label\":" + (i % 4) + ","), lines.get(i));
        }
    }

    @Test
    void frechetDistanceOfTwoInputs() throws Exception {
        RunResult same = run("batchSize: 100\nsteps:\n"
                + "  - id: a\n    use: gaussian\n    with: {dim: 4, column: features, rows: 4000}\n"
                + "  - id: b\n    use: gaussian\n    with: {dim: 4, column: features, rows: 4000}\n"
                + "  - id: fd\n    use: frechet-distance\n    inputs: [a, b]\n    with: {metric: fdSame}\n");
        assertTrue((Double) same.metrics().get("fdSame") < 0.02, same.metrics().toString());
        // N(0, 1) against U[2, 3): per coordinate 2.5^2 + (1 - sqrt(1/12))^2, four coordinates
        RunResult apart = run("batchSize: 100\nsteps:\n"
                + "  - id: a\n    use: gaussian\n    with: {dim: 4, column: features, rows: 4000}\n"
                + "  - id: b\n    use: uniform\n    with: {dim: 4, column: features, low: 2, high: 3, rows: 4000}\n"
                + "  - id: fd\n    use: frechet-distance\n    inputs: [a, b]\n");
        double expected = 4 * (6.25 + Math.pow(1 - Math.sqrt(1 / 12.0), 2));
        assertEquals(expected, (Double) apart.metrics().get("fdClf"), 0.3);
    }

    @Test
    void frechetDistanceOfTwoBranchesOfOneStepDoesNotDeadlock() throws Exception {
        RunResult r = run("batchSize: 10\nsteps:\n"
                + "  - id: a\n    use: gaussian\n    with: {dim: 3, column: features, rows: 2000}\n"
                + "  - id: left\n    use: take\n    inputs: [a]\n    with: {n: 2000}\n"
                + "  - id: fd\n    use: frechet-distance\n    inputs: [left, a]\n");
        assertEquals(0.0, (Double) r.metrics().get("fdClf"), 1e-6);
    }

    @Test
    void latentWalkGoesFromOneSeedsLatentToTheOthers() throws Exception {
        run("batchSize: 5\nsteps:\n"
                + "  - id: walk\n    use: latent-walk\n    with: {dim: 3, from: 4, to: 9, mode: slerp, column: z, rows: 5}\n"
                + "  - id: a\n    use: gaussian\n    with: {dim: 3, rows: 1}\n"
                + "  - id: rows\n    use: jsonl-sink\n    inputs: [walk]\n");
        assertEquals(5, Files.readAllLines(dir.resolve("out/rows.jsonl")).size());
    }

    @Test
    void slerpKeepsTheNormBetweenEqualNormLatents() {
        float[] a = {3, 0, 0};
        float[] b = {0, 3, 0};
        float[] mid = Walks.interpolate(a, b, 0.5, true);
        assertEquals(3, Math.sqrt(mid[0] * mid[0] + mid[1] * mid[1] + mid[2] * mid[2]), 1e-6);
        float[] lerp = Walks.interpolate(a, b, 0.5, false);
        assertEquals(3 / Math.sqrt(2), Math.sqrt(lerp[0] * lerp[0] + lerp[1] * lerp[1]), 1e-6);
    }
}
