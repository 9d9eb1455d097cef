package io.genpipe.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pipeline file names its plugins folders ({@code plugins:}); the CLI loads them without --plugins-dir. */
class PluginsInFileTest {

    @TempDir
    Path dir;

    @Test
    void theSpeechPipelinesFindTheWaveNetPluginThemselves() {
        // the reactor built plugins/wavenet into plugins/wavenet/target/plugins before this module
        Repo.Run run = Repo.genpipe(Map.of(), "validate", "pipelines/speech-ood.yaml");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("pipelines/speech-ood.yaml is valid"), run.out());
    }

    @Test
    void anUnknownComponentNamesTheFoldersSearchedAndAMissingOneOfTheFile() throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "name: p",
                        "plugins: [my-plugins]",
                        "steps:",
                        "  - {id: z, use: gaussian, with: {dim: 2, rows: 3}}",
                        "  - {id: s, use: sharpness, inputs: [z]}",
                        ""));
        Repo.Run run = Repo.genpipe(Map.of(), "validate", file.toString());
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(
                run.err()
                        .contains("(--plugins-dir DIR, $GENPIPE_PLUGINS_DIR, or plugins: [DIR] in the file); no plugins"
                                + " folder was searched; this file's plugins folder " + dir.resolve("my-plugins")
                                + " does not exist"),
                run.err());
        Files.createDirectories(dir.resolve("my-plugins"));
        run = Repo.genpipe(Map.of(), "validate", file.toString());
        assertTrue(run.err().contains("; plugins folders searched: " + dir.resolve("my-plugins")), run.err());
    }

    @Test
    void anUnknownComponentFoundInAPluginBuildAboveTheFileIsNamedWithTheLineToAdd() throws Exception {
        // a checkout's layout: plugins/wavenet/target/plugins (the plugin's build output) above the pipelines folder
        Path wavenet = Repo.root().resolve("plugins/wavenet/target/plugins/wavenet");
        Path output = Files.createDirectories(dir.resolve("plugins/wavenet/target/plugins/wavenet"));
        try (Stream<Path> jars = Files.list(wavenet)) {
            for (Path jar : jars.toList()) {
                Files.copy(jar, output.resolve(jar.getFileName()));
            }
        }
        Path file = Files.createDirectories(dir.resolve("pipelines")).resolve("speech.yaml");
        Files.writeString(
                file,
                "name: speech\nsteps:\n  - {id: z, use: gaussian, with: {dim: 2, rows: 3}}\n"
                        + "  - {id: s, use: wavenet-scorer, inputs: [z]}\n");
        Repo.Run run = Repo.genpipe(Map.of(), "validate", file.toString());
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(
                run.err().contains("'wavenet-scorer' is a component of plugin 'wavenet' ")
                        && run.err()
                                .contains(": add plugins: [../plugins/wavenet/target/plugins] to the file, or pass"
                                        + " --plugins-dir " + dir.resolve("plugins/wavenet/target/plugins")),
                run.err());
        // with that line the component is found: what is left is that gaussian rows are not audio
        Files.writeString(file, "plugins: [../plugins/wavenet/target/plugins]\n" + Files.readString(file));
        run = Repo.genpipe(Map.of(), "validate", file.toString());
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("step 's': needs column audio: float32[batch,samples]"), run.err());
        assertTrue(!run.err().contains("unknown component"), run.err());
    }
}
