package io.genpipe.e2e;

import static io.genpipe.runtime.testing.PluginJarBuilder.plugin;
import static io.genpipe.runtime.testing.PluginJarBuilder.scorerPlugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line, run through the ./genpipe launcher as a user runs it. */
class CliTest {

    @TempDir
    Path dir;

    @Test
    void doctorJsonReportsRuntimeProvidersCudaAndPlugins() throws Exception {
        plugin("demo")
                .source("demo.DemoPlugin", scorerPlugin("demo", "DemoPlugin", "demo-sum"))
                .build(dir.resolve("demo.jar"));
        Repo.Run run = Repo.genpipe(Map.of(), "doctor", "--json", "--plugins-dir", dir.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertTrue(json.at("/onnxruntime/version").asText().matches("1\\.(2[6-9]|[3-9]\\d)\\.\\d+"), run.out());
        assertTrue(json.at("/onnxruntime/providers").toString().contains("\"cpu\""), run.out());
        assertTrue(json.at("/onnxruntime/cuda/available").isBoolean(), run.out());
        assertTrue(json.at("/onnxruntime/cuda/detail").isTextual(), run.out());
        assertEquals("1.0", json.at("/genpipe/apiVersion").asText());
        List<String> names = new ArrayList<>();
        json.get("plugins").forEach(p -> names.add(p.get("name").asText()));
        assertEquals(
                List.of("autoregressive", "builtin", "classifier", "demo", "gan", "transformer", "vae"),
                names.stream().sorted().toList());
        JsonNode demo = json.at("/plugins/" + names.indexOf("demo"));
        assertEquals("demo", demo.get("name").asText());
        assertEquals("1.0.0", demo.get("version").asText());
        assertEquals("demo-sum", demo.at("/components/0/name").asText());
        assertEquals("scorer", demo.at("/components/0/role").asText());
        assertTrue(json.get("ok").asBoolean());
    }

    @Test
    void doctorExitsOneAndNamesTheBrokenJar() throws Exception {
        Files.write(dir.resolve("broken.jar"), new byte[] {1, 2, 3});
        Repo.Run run = Repo.genpipe(Map.of("GENPIPE_PLUGINS_DIR", dir.toString()), "doctor");
        assertEquals(1, run.exitCode());
        assertTrue(
                run.out()
                        .contains("Problems (1):\n  - Plugin jar " + dir.resolve("broken.jar")
                                + " cannot be read as a jar (zip END header not found); rebuild it or remove it from "
                                + dir),
                run.out());
    }

    @Test
    void pluginsListsComponentsWithParameters() {
        Repo.Run run = Repo.genpipe(Map.of(), "plugins", "--verbose");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(
                run.out()
                        .contains("  sampler    gaussian                 standard normal latents N(0, I)\n"
                                + "      dim              integer          required  latent size\n"),
                run.out());
    }

    @Test
    void pluginsFailsListingEveryProblem() throws Exception {
        plugin("demo")
                .noServiceEntry()
                .source("demo.DemoPlugin", scorerPlugin("demo", "DemoPlugin", "demo-sum"))
                .build(dir.resolve("demo.jar"));
        Files.createDirectories(dir.resolve("empty-folder"));
        Repo.Run run = Repo.genpipe(Map.of(), "plugins", "--plugins-dir", dir.toString());
        assertEquals(1, run.exitCode());
        assertEquals(
                "genpipe: 2 plugin problem(s):\n"
                        + "  - Plugin 'demo' (" + dir.resolve("demo.jar")
                        + ") has no META-INF/services/io.genpipe.api.spi.GenpipePlugin"
                        + " entry; add that file naming your GenpipePlugin implementation class\n"
                        + "  - Plugin folder " + dir.resolve("empty-folder")
                        + " contains no .jar files; a plugin folder holds the"
                        + " plugin's jar and the jars it depends on\n",
                run.err());
    }

    @Test
    void unknownCommandSuggestsAndExitsTwo() {
        Repo.Run run = Repo.genpipe(Map.of(), "doctr");
        assertEquals(2, run.exitCode());
        assertEquals(
                "genpipe: Unmatched argument at index 0: 'doctr'\nDid you mean: genpipe doctor?\n"
                        + "Run 'genpipe --help' for usage.\n",
                run.err());
    }

    @Test
    void helpListsCommandsAndExitCodes() {
        Repo.Run run = Repo.genpipe(Map.of(), "--help");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("doctor"), run.out());
        assertTrue(run.out().contains("plugins"), run.out());
        assertTrue(run.out().contains("Exit codes: 0 ok, 1 a check or run failed, 2 invalid input."), run.out());
    }
}
