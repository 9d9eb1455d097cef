package io.genpipe.runtime.pipeline;

import static io.genpipe.runtime.testing.PluginJarBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineRunnerTest {

    @TempDir
    Path dir;

    private static final String FLOW = "name: flow\nseed: 42\nbatchSize: 64\nsteps:\n"
            + "  - id: z\n    use: gaussian\n    with: {dim: 4, column: x, rows: 1000}\n"
            + "  - id: model\n    use: onnx-model\n    inputs: [z]\n    with: {model: affine.onnx}\n"
            + "  - id: first\n    use: take\n    inputs: [model]\n    with: {n: 300}\n"
            + "  - id: rows\n    use: jsonl-sink\n    inputs: [first]\n";

    private Path write(String name, String text) throws Exception {
        Files.write(dir.resolve("affine.onnx"), Fixtures.affineBytes());
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    private RunResult run(Path file, Path out) {
        PipelineDefinition d = new PipelineReader().read(file);
        try (Genpipe genpipe = Genpipe.builder()
                .seed(d.seed())
                .baseDir(d.folder())
                .pluginsDir(Files.isDirectory(dir.resolve("plugins")) ? dir.resolve("plugins") : null)
                .build()) {
            PipelinePlan plan = new PipelineValidator(genpipe).validate(d);
            RunResult result = new PipelineRunner(genpipe, line -> {}).run(plan, out);
            assertEquals(0, genpipe.onnx().liveNativeValues(), "native values left open by the run");
            return result;
        }
    }

    @Test
    void streamsRowsThroughStepsAndWritesRunJson() throws Exception {
        Path file = write("flow.yaml", FLOW);
        RunResult result = run(file, dir.resolve("out"));
        List<String> lines = Files.readAllLines(dir.resolve("out/rows.jsonl"));
        assertEquals(300, lines.size());
        assertTrue(lines.get(0).startsWith("{\"id\":\"z-0\",\"source\":\"z\",\"s\":"), lines.get(0));
        String runJson = Files.readString(dir.resolve("out/run.json"));
        assertTrue(runJson.contains("\"seed\": 42"), runJson);
        assertTrue(
                runJson.contains(
                        "\"id\": \"first\",\n      \"use\": \"take\",\n      \"inputs\": [\n        \"model\"\n      ],\n"
                                + "      \"rows\": 300"),
                runJson);
        assertTrue(
                runJson.contains(
                        "\"sha256\": \"" + new PipelineReader().read(file).sha256() + "\""),
                runJson);
        assertTrue(runJson.contains("\"name\": \"" + dir.resolve("affine.onnx") + "\""), runJson);
        assertEquals(dir.resolve("out"), result.outputFolder());
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws Exception {
        Path file = write("flow.yaml", FLOW);
        run(file, dir.resolve("a"));
        run(file, dir.resolve("b"));
        assertArrayEquals(
                Files.readAllBytes(dir.resolve("a/rows.jsonl")), Files.readAllBytes(dir.resolve("b/rows.jsonl")));
        Path other = write("other.yaml", FLOW.replace("seed: 42", "seed: 43"));
        run(other, dir.resolve("c"));
        assertFalse(Arrays.equals(
                Files.readAllBytes(dir.resolve("a/rows.jsonl")), Files.readAllBytes(dir.resolve("c/rows.jsonl"))));
    }

    @Test
    void aStepThatThrowsMidwayLeavesNoOutputBehind() throws Exception {
        String failing = "package boom;\n"
                + "import io.genpipe.api.*;\nimport io.genpipe.api.data.*;\nimport io.genpipe.api.spi.*;\nimport java.util.List;\n"
                + "public final class BoomPlugin implements GenpipePlugin {\n"
                + "  public List<ScorerFactory> scorers() {\n"
                + "    return List.of(ScorerFactory.of(\"third-batch-fails\", \"fails on its third batch\", List.of(), (p, c) -> new Scorer() {\n"
                + "      int calls;\n"
                + "      public List<PortSpec> inputs() { return List.of(PortSpec.of(\"x\", DType.FLOAT32, \"batch\", 4)); }\n"
                + "      public List<PortSpec> outputs() { return List.of(PortSpec.of(\"score\", DType.FLOAT64, \"batch\")); }\n"
                + "      public String quantity() { return \"none\"; }\n"
                + "      public ScoreDirection direction() { return ScoreDirection.HIGHER_IS_MORE; }\n"
                + "      public double[] score(Batch b) {\n"
                + "        if (++calls == 3) throw new IllegalStateException(\"boom on batch 3\");\n"
                + "        return new double[b.rows()];\n"
                + "      }\n"
                + "    }));\n"
                + "  }\n"
                + "}\n";
        plugin("boom").source("boom.BoomPlugin", failing).build(dir.resolve("plugins/boom.jar"));
        Path file = write(
                "boom.yaml",
                "steps:\n"
                        + "  - id: z\n    use: gaussian\n    with: {dim: 4, column: x, rows: 5000}\n"
                        + "  - id: fail\n    use: third-batch-fails\n    inputs: [z]\n"
                        + "  - id: rows\n    use: jsonl-sink\n    inputs: [fail]\n");
        Path out = dir.resolve("runs/boom");
        run(write("earlier.yaml", FLOW), out); // an earlier run's output, which a failed run leaves alone
        Files.writeString(out.resolve("earlier.txt"), "an earlier run's output");
        GenpipeException e = assertThrows(GenpipeException.class, () -> run(file, out));
        assertEquals(
                "step 'fail' failed: scorer 'third-batch-fails' (plugin 'boom' 1.0.0) failed:"
                        + " java.lang.IllegalStateException: boom on batch 3 (at boom.BoomPlugin$1.score(BoomPlugin.java:15));"
                        + " no output was written",
                e.getMessage());
        assertEquals("an earlier run's output", Files.readString(out.resolve("earlier.txt")));
        try (Stream<Path> left = Files.list(dir.resolve("runs"))) {
            assertEquals(
                    List.of("boom"),
                    left.map(p -> p.getFileName().toString()).sorted().toList(),
                    "temporary folders left behind");
        }
    }

    @Test
    void aSuccessfulRunReplacesTheEarlierOutput() throws Exception {
        Path file = write("flow.yaml", FLOW);
        Path out = dir.resolve("runs/flow");
        run(file, out);
        Files.writeString(out.resolve("stale.txt"), "old");
        run(file, out);
        assertFalse(Files.exists(out.resolve("stale.txt")));
        assertTrue(Files.exists(out.resolve("run.json")));
        try (Stream<Path> left = Files.list(dir.resolve("runs"))) {
            assertEquals(
                    List.of("flow"),
                    left.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void overridesAndInterpolation() throws Exception {
        System.setProperty("genpipe.test.rows", "40");
        Path file = write("flow.yaml", FLOW.replace("rows: 1000", "rows: \"${sys:genpipe.test.rows}\""));
        PipelineDefinition d = Overrides.apply(new PipelineReader().read(file), List.of("first.n=7"));
        assertEquals("40", d.steps().get(0).with().get("rows"));
        assertEquals("7", d.steps().get(2).with().get("n"));
        PipelineException e = assertThrows(
                PipelineException.class,
                () -> Overrides.apply(new PipelineReader().read(file), List.of("frist.n=7", "first", "batchSize=0")));
        assertEquals(
                List.of(
                        file
                                + ": --set frist.n=7: no step 'frist'; did you mean 'first'? (steps: z, model, first, rows)",
                        file
                                + ": --set first: expected step.parameter=value (e.g. --set test.limit=100) or a pipeline setting"
                                + " (batchSize, seed, threads, threadPool, emptyResult), e.g. --set batchSize=64",
                        file + ": --set batchSize=0: batchSize must be a whole number from 1 to 1000000"),
                e.problems().stream().map(Problem::toString).toList());
        PipelineDefinition bigger =
                Overrides.apply(new PipelineReader().read(file), List.of("batchSize=1000", "seed=7"));
        assertEquals(1000, bigger.batchSize());
        assertEquals(7, bigger.seed());
    }
}
