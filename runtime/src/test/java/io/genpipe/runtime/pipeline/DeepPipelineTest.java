package io.genpipe.runtime.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.genpipe.runtime.Genpipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Validation and ordering are iterative: the deepest pipeline allowed validates without a stack overflow. */
class DeepPipelineTest {

    @TempDir
    Path dir;

    @Test
    void tenThousandStepsInReverseOrderValidate() throws Exception {
        StringBuilder yaml = new StringBuilder("steps:\n");
        // written last-first, so ordering has to walk the whole chain from the first step it reads
        for (int i = 9_999; i >= 1; i--) {
            yaml.append("  - {id: s")
                    .append(i)
                    .append(", use: take, inputs: [s")
                    .append(i - 1)
                    .append("], with: {n: 1}}\n");
        }
        yaml.append("  - {id: s0, use: gaussian, with: {dim: 1, rows: 1}}\n");
        Path file = dir.resolve("deep.yaml");
        Files.writeString(file, yaml.toString());
        try (Genpipe genpipe = Genpipe.builder().build()) {
            PipelinePlan plan = genpipe.pipeline(file).plan();
            assertEquals(10_000, plan.steps().size());
            assertEquals("s0", plan.steps().get(0).id());
            assertEquals("s9999", plan.steps().get(9_999).id());
        }
        // a cycle through the whole chain is found and reported, not overflowed
        Files.writeString(
                file,
                yaml.toString()
                        .replace(
                                "{id: s0, use: gaussian, with: {dim: 1, rows: 1}}",
                                "{id: s0, use: take, inputs: [s9999], with: {n: 1}}"));
        try (Genpipe genpipe = Genpipe.builder().build()) {
            List<Problem> problems = genpipe.pipeline(file).validate();
            assertEquals(1, problems.size());
            assertEquals(
                    "step 's9999': steps form a cycle",
                    problems.get(0)
                            .toString()
                            .replaceFirst("^.*?: step", "step")
                            .replaceFirst(": s9999 -> .*", ""));
        }
    }
}
