package io.genpipe.runtime.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.runtime.Genpipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code use: pipeline:FILE}: another file's steps in place of a step, connected, renamed and set. */
class SubPipelinesTest {

    @TempDir
    Path dir;

    private static Path file(String name) throws Exception {
        return Path.of(
                SubPipelinesTest.class.getResource("/pipelines/sub/" + name).toURI());
    }

    @Test
    void theOtherFilesStepsRunOnThisStepsRowsUnderItsIdWritingIntoItsFolder() throws Exception {
        try (Genpipe genpipe = Genpipe.builder().build()) {
            PipelineDefinition d = genpipe.pipeline(file("outer.yaml")).definition();
            assertEquals(
                    List.of("z", "picked/keep", "picked/kept", "picked/written", "n", "all"),
                    d.steps().stream().map(StepDefinition::id).toList());
            assertEquals(List.of("z"), d.steps().get(1).inputs()); // rows: received from z
            assertEquals(List.of("picked/kept"), d.steps().get(4).inputs()); // picked.kept
            // the inner file's own seed and batch size give way to the outer's; set: reached its take
            assertEquals(7, d.seed());
            assertEquals("25", String.valueOf(d.steps().get(1).with().get("n")));
            assertFalse(
                    d.sha256()
                            .equals(new PipelineReader()
                                    .readAll(file("outer.yaml"))
                                    .definition()
                                    .sha256()),
                    "its sha256 covers the file it includes");

            RunResult a = genpipe.pipeline(file("outer.yaml")).run(dir.resolve("a"));
            assertEquals(25L, ((Number) a.metrics().get("picked")).longValue());
            assertEquals(25L, ((Number) a.metrics().get("kept")).longValue());
            assertTrue(Files.isRegularFile(dir.resolve("a/picked/kept.csv")), "its sink writes into picked/");
            assertEquals(
                    26, Files.readAllLines(dir.resolve("a/picked/kept.csv")).size());

            // --set reaches its steps as STEP/INNER.PARAM; the same bytes at another batch size
            RunResult b = genpipe.pipeline(file("outer.yaml"))
                    .set("picked/keep.n", 12)
                    .set("batchSize", 3)
                    .run(dir.resolve("b"));
            assertEquals(12L, ((Number) b.metrics().get("picked")).longValue());
            List<String> all = Files.readAllLines(dir.resolve("a/all.csv"));
            assertEquals(all.subList(0, 13), Files.readAllLines(dir.resolve("b/all.csv")));
            assertArrayEquals(
                    Files.readAllBytes(dir.resolve("b/all.csv")), Files.readAllBytes(dir.resolve("b/picked/kept.csv")));
        }
    }
}
