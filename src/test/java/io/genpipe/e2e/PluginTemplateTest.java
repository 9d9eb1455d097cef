package io.genpipe.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genpipe.api.ApiVersion;
import io.genpipe.runtime.BuildInfo;
import io.genpipe.runtime.io.IdxFile;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin template as a plugin author uses it: copied out of the repository, built with its own
 * Maven wrapper against genpipe's artifacts as installed in a local repository (the BOM, the api,
 * the testkit: the ones this build just made), its conformance test run by that build; then its jar
 * dropped in a plugins folder and its pipeline run by {@code ./genpipe}.
 */
@Tag("slow")
class PluginTemplateTest {

    private static final Path ROOT = Repo.root();
    private static final Path TEMPLATE = ROOT.resolve("examples/plugin-template");

    @TempDir
    Path tmp;

    @Test
    void theTemplateBuildsOutsideTheReactorAndRunsInAPipeline() throws Exception {
        Path repo = tmp.resolve("repository");
        String version = BuildInfo.current().version();
        install(repo, "genpipe-parent", ROOT.resolve("pom.xml"), null, version);
        install(repo, "genpipe-bom", ROOT.resolve("bom/pom.xml"), null, version);
        for (String module : List.of("api", "runtime", "testkit")) {
            install(
                    repo,
                    "genpipe-" + module,
                    ROOT.resolve(module).resolve("pom.xml"),
                    ROOT.resolve(module).resolve("target").resolve("genpipe-" + module + "-" + version + ".jar"),
                    version);
        }
        Path project = tmp.resolve("genpipe-sharpness");
        copyTree(TEMPLATE, project);

        packageOffline(project, repo, tmp.resolve("build.log"), "the template");

        // its conformance suite ran inside that build, and passed
        Path report =
                project.resolve("target/surefire-reports/TEST-com.example.sharpness.SharpnessConformanceTest.xml");
        String xml = Files.readString(report);
        assertTrue(
                xml.contains("tests=\"16\"") && xml.contains("failures=\"0\"") && xml.contains("errors=\"0\""),
                "the template's kit test did not run as expected: " + xml.substring(0, Math.min(600, xml.length())));

        // the manifest's apiVersion comes from the api jar; the model resource is not filtered
        Path jar = project.resolve("target/genpipe-sharpness-1.0.0.jar");
        try (JarFile j = new JarFile(jar.toFile())) {
            Properties descriptor = new Properties();
            try (InputStream in = j.getInputStream(j.getEntry("META-INF/genpipe-plugin.properties"))) {
                descriptor.load(in);
            }
            assertEquals(
                    Map.of("name", "sharpness", "version", "1.0.0", "apiVersion", ApiVersion.CURRENT.toString()),
                    Map.copyOf(descriptor));
            try (InputStream in = j.getInputStream(j.getEntry("com/example/sharpness/laplacian.onnx"))) {
                assertArrayEquals(
                        Files.readAllBytes(TEMPLATE.resolve("src/main/resources/com/example/sharpness/laplacian.onnx")),
                        in.readAllBytes());
            }
            assertEquals(null, j.getEntry("io/genpipe/api/Scorer.class"), "the api must not be bundled");
        }

        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        Files.copy(jar, plugins.resolve(jar.getFileName()));
        Path out = tmp.resolve("run");
        Repo.Run run = Repo.genpipe(
                Map.of(),
                "run",
                "examples/plugin-template/pipeline.yaml",
                "--plugins-dir",
                plugins.toString(),
                "--out",
                out.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonNode record = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        boolean listed = false;
        for (JsonNode p : record.path("plugins")) {
            listed |= p.path("name").asText().equals("sharpness")
                    && p.path("version").asText().equals("1.0.0");
        }
        assertTrue(listed, "run.json does not list plugin sharpness 1.0.0: " + record);
        List<String> rows = Files.readAllLines(out.resolve("sharpness.csv"), StandardCharsets.UTF_8);
        assertEquals(31, rows.size(), "header and the 30 sharpest images");
        assertEquals("id,label,source,score,sharpness", rows.get(0));
        double previous = Double.MAX_VALUE;
        for (String row : rows.subList(1, rows.size())) {
            double score = Double.parseDouble(row.split(",")[3]);
            assertTrue(score <= previous && score > 0, "scores descend and are positive: " + rows);
            previous = score;
        }
        // the grid shows the 30 sharpest in the table's order: cell i is test image "images-N" of row i
        BufferedImage grid = ImageIO.read(out.resolve("sharpest.png").toFile());
        assertEquals(10 * (56 + 2) + 2, grid.getWidth());
        assertEquals(3 * (56 + 2) + 2, grid.getHeight());
        ByteBuffer test = IdxFile.read(Repo.root().resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"))
                .bytes();
        for (int i = 0; i < 30; i++) {
            String id = rows.get(i + 1).split(",")[0];
            int index = Integer.parseInt(id.substring("images-".length()));
            for (int p = 0; p < 784; p++) {
                int x = 2 + (i % 10) * 58 + 2 * (p % 28);
                int y = 2 + (i / 10) * 58 + 2 * (p / 28);
                assertEquals(test.get(index * 784 + p) & 0xFF, grid.getRaster().getSample(x, y, 0), id + " pixel " + p);
            }
        }
        assertTrue(Files.readString(out.resolve("report.html")).contains("sharpness.png"));
    }

    /**
     * Builds {@code project} with its own Maven wrapper, offline, against the local repository {@code repo} (genpipe's
     * artifacts as installed there) backed by this machine's, as a developer outside the reactor would.
     */
    static void packageOffline(Path project, Path repo, Path log, String what) throws Exception {
        String m2 = System.getProperty("genpipe.m2.repository", System.getProperty("user.home") + "/.m2/repository");
        ProcessBuilder pb = new ProcessBuilder(
                        project.resolve("mvnw").toString(),
                        "-B",
                        "-o",
                        "-q",
                        "package",
                        "-Dmaven.repo.local=" + repo,
                        "-Dmaven.repo.local.tail=" + m2)
                .directory(project.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().remove("MAVEN_OPTS");
        Process build = pb.start();
        assertTrue(build.waitFor(300, TimeUnit.SECONDS), what + "'s build did not finish in 300 s");
        assertEquals(0, build.exitValue(), what + "'s build failed:\n" + Files.readString(log));
    }

    /** Lays out a pom (and jar) as {@code mvn install} does in a local repository. */
    static void install(Path repo, String artifactId, Path pom, Path jar, String version) throws IOException {
        Path dir = Files.createDirectories(
                repo.resolve("io/genpipe").resolve(artifactId).resolve(version));
        Files.copy(pom, dir.resolve(artifactId + "-" + version + ".pom"));
        if (jar != null) {
            assertTrue(Files.isRegularFile(jar), jar + " is not built; run the tests through Maven (mvn verify)");
            Files.copy(jar, dir.resolve(artifactId + "-" + version + ".jar"));
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path rel = from.relativize(p);
                if (rel.startsWith("target")) {
                    continue;
                }
                Path dest = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
