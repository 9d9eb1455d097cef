package io.genpipe.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genpipe.api.RandomSource;
import io.genpipe.runtime.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's embedding snippet, compiled and run as a user would from the repository root. */
class EmbeddingSnippetTest {

    @Test
    void readmeSnippetCompilesRunsAndPrintsTheModelsOutput(@TempDir Path dir) throws Exception {
        String classPath = compileSnippet("embedding-snippet", "EmbedGenpipe", dir);

        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        dir + File.pathSeparator + classPath,
                        "EmbedGenpipe")
                .directory(Repo.root().toFile())
                .redirectErrorStream(true)
                .start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "snippet did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.exitValue(), out);

        // what the snippet must print, computed independently: the prior's first row (id "0", its own
        // stream forked from the prior's) through affine.onnx
        RandomSource prior = new RandomSource(42).fork("prior").fork("0");
        float[] z = new float[4];
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) prior.nextGaussian();
        }
        float[] y = Fixtures.affineY(z);
        float expectedSum = y[0] + y[1] + y[2] + y[3];
        List<String> lines = out.lines().filter(l -> l.startsWith("y: ")).toList();
        assertEquals(1, lines.size(), out);
        String prefix = "y: float32[8,4], first row sum ";
        assertTrue(lines.get(0).startsWith(prefix), out);
        assertEquals(expectedSum, Float.parseFloat(lines.get(0).substring(prefix.length())), 1e-5f);
    }

    @Test
    void readmePipelineSnippetGivesTheMetricsOfGenpipeRun(@TempDir Path dir) throws Exception {
        String classPath = compileSnippet("pipeline-snippet", "RunPipeline", dir);
        Path out = dir.resolve("from-java");
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        dir + File.pathSeparator + classPath,
                        "RunPipeline",
                        out.toString())
                .directory(Repo.root().toFile())
                .redirectErrorStream(true)
                .start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "snippet did not finish");
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), printed);

        Path cliOut = dir.resolve("from-cli");
        Repo.Run cli = Repo.genpipe(
                Map.of(),
                "run",
                "pipelines/anomaly-augment.yaml",
                "--set",
                "test.limit=2000",
                "--out",
                cliOut.toString());
        assertEquals(0, cli.exitCode(), cli.err());
        ObjectMapper json = new ObjectMapper();
        JsonNode fromCli = json.readTree(cliOut.resolve("run.json").toFile());
        JsonNode fromJava = json.readTree(out.resolve("run.json").toFile());
        assertEquals(fromCli.get("metrics"), fromJava.get("metrics"));
        assertEquals(fromCli.get("seed"), fromJava.get("seed"));
        assertTrue(printed.contains("test emitted 2000 rows\n"), printed);
        fromCli.get("metrics").properties().forEach(m -> {
            if (m.getValue().isNumber()) {
                assertTrue(
                        printed.contains(m.getKey() + ": " + m.getValue().asText() + "\n"),
                        m.getKey() + " in " + printed);
            }
        });
        assertArrayEquals(
                Files.readAllBytes(cliOut.resolve("augmented-images-idx3-ubyte.gz")),
                Files.readAllBytes(out.resolve("augmented-images-idx3-ubyte.gz")));
    }

    /** Compiles the README's java block between {@code <!-- marker:start -->} and its end into {@code dir}; the class path. */
    private static String compileSnippet(String marker, String className, Path dir) throws Exception {
        String readme = Files.readString(Repo.root().resolve("README.md"));
        int start = readme.indexOf("<!-- " + marker + ":start -->");
        int end = readme.indexOf("<!-- " + marker + ":end -->");
        assertTrue(start >= 0 && end > start, "README.md lacks the " + marker + " markers");
        String block = readme.substring(start, end);
        String code = block.substring(block.indexOf("```java") + "```java".length(), block.lastIndexOf("```"));
        Path source = dir.resolve(className + ".java");
        Files.writeString(source, code);
        String classPath = System.getProperty("java.class.path");
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler()
                .run(
                        null,
                        errors,
                        errors,
                        "--release",
                        "17",
                        "-proc:none",
                        "-d",
                        dir.toString(),
                        "-cp",
                        classPath,
                        source.toString());
        assertEquals(0, rc, "README " + marker + " does not compile:\n" + errors);
        return classPath;
    }
}
