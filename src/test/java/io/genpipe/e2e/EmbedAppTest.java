package io.genpipe.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.runtime.BuildInfo;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedding starter as an application developer uses it: copied out of the repository, built with its own
 * Maven wrapper against genpipe's artifacts as installed in a local repository, and run with plain java; what it
 * prints and writes checked against the CLI on the same data.
 */
@Tag("slow")
class EmbedAppTest {

    private static final Path ROOT = Repo.root();

    @TempDir
    Path tmp;

    @Test
    void theStarterBuildsOutsideTheReactorScoresImagesAndRunsItsPipeline() throws Exception {
        Path repo = tmp.resolve("repository");
        String version = BuildInfo.current().version();
        PluginTemplateTest.install(repo, "genpipe-parent", ROOT.resolve("pom.xml"), null, version);
        PluginTemplateTest.install(repo, "genpipe-bom", ROOT.resolve("bom/pom.xml"), null, version);
        for (String module : List.of("api", "runtime", "plugins/vae")) {
            String artifact = "genpipe-" + Path.of(module).getFileName();
            PluginTemplateTest.install(
                    repo,
                    artifact,
                    ROOT.resolve(module).resolve("pom.xml"),
                    ROOT.resolve(module).resolve("target").resolve(artifact + "-" + version + ".jar"),
                    version);
        }
        Path project = tmp.resolve("embed-app");
        PluginTemplateTest.copyTree(ROOT.resolve("examples/embed-app"), project);

        PluginTemplateTest.packageOffline(project, repo, tmp.resolve("build.log"), "the starter");

        Path images = ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz");
        Path labels = ROOT.resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz");
        String classpath = project.resolve("target/embed-app-1.0.0.jar")
                + File.pathSeparator
                + Files.readString(project.resolve("target/classpath.txt")).trim();
        Path out = tmp.resolve("app-run");
        Process app = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        classpath,
                        "com.example.embed.App",
                        images.toString(),
                        labels.toString(),
                        out.toString())
                .directory(project.toFile())
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("app.log").toFile())
                .start();
        assertTrue(app.waitFor(120, TimeUnit.SECONDS), "the starter did not finish in 120 s");
        String log = Files.readString(tmp.resolve("app.log"));
        assertEquals(0, app.exitValue(), log);

        // its five most anomalous of the first 200, each with its class: as the CLI's scores of the same images
        assertTrue(log.contains("scored 200 images; most anomalous:"), log);
        Matcher m = Pattern.compile("  t10k-images-idx3-ubyte\\.gz:(\\d+) class (\\d) score (-?[0-9.]+)")
                .matcher(log);
        Path cli = tmp.resolve("cli-run");
        Path scoring = tmp.resolve("score.yaml");
        Files.writeString(
                scoring,
                String.join(
                        "\n",
                        "name: score",
                        "steps:",
                        "  - {id: test, use: idx-source, with: {images: " + images + ", labels: " + labels
                                + ", limit: 200}}",
                        "  - {id: vae, use: vae-anomaly-scorer, inputs: [test], with: {method: combined}}",
                        "  - {id: rows, use: csv-sink, inputs: [vae], with: {file: scores.csv}}",
                        ""));
        Repo.Run scored = Repo.genpipe(Map.of(), "run", scoring.toString(), "--out", cli.toString());
        assertEquals(0, scored.exitCode(), scored.err());
        List<String> csv = Files.readAllLines(cli.resolve("scores.csv"));
        double previous = Double.POSITIVE_INFINITY;
        int shown = 0;
        while (m.find()) {
            String[] row = csv.get(Integer.parseInt(m.group(1)) + 1).split(",");
            assertEquals(m.group(2), row[1], log);
            double score = Double.parseDouble(row[3]);
            assertEquals(Double.parseDouble(m.group(3)), score, 1e-4, log);
            assertTrue(score <= previous, log);
            previous = score;
            shown++;
        }
        assertEquals(5, shown, log);
        // the first one shown is the highest score of all 200
        double max = csv.stream()
                .skip(1)
                .mapToDouble(l -> Double.parseDouble(l.split(",")[3]))
                .max()
                .orElseThrow();
        assertTrue(log.contains(String.format(Locale.ROOT, "score %.4f%n", max).trim()), log);

        // its pipeline, with the application's overrides: the same bytes as genpipe run with --set
        assertTrue(
                log.contains("pipeline wrote " + out + ": flagged 51"),
                log); // 5% of each class of the first 1000, rounded per class
        Path same = tmp.resolve("cli-pipeline");
        Repo.Run run = Repo.genpipe(
                Map.of(),
                "run",
                ROOT.resolve("examples/embed-app/pipeline.yaml").toString(),
                "--set",
                "test.images=" + images,
                "--set",
                "test.labels=" + labels,
                "--out",
                same.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertArrayEquals(
                Files.readAllBytes(same.resolve("flagged.csv")), Files.readAllBytes(out.resolve("flagged.csv")));
        assertEquals(52, Files.readAllLines(out.resolve("flagged.csv")).size());
    }
}
