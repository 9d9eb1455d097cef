package io.genpipe.runtime.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableList;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.component.RegisteredFactory;
import io.genpipe.runtime.testing.PluginJarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host uses Guava (through Guice) in one version; a plugin bundles Guava 31.1 beside its own
 * jar. Both must load their own version, side by side, in one process.
 */
class PluginIsolationTest {

    private static final String SOURCE = "package iso;\n"
            + "import com.google.common.collect.ImmutableList;\n"
            + "import io.genpipe.api.*;\n"
            + "import io.genpipe.api.data.*;\n"
            + "import io.genpipe.api.spi.*;\n"
            + "import java.util.List;\n"
            + "public final class IsoPlugin implements GenpipePlugin {\n"
            + "  public List<ScorerFactory> scorers() {\n"
            + "    return ImmutableList.of(new ScorerFactory() {\n"
            + "      public String name() { return \"guava-version-scorer\"; }\n"
            + "      public String description() {\n"
            + "        return ImmutableList.class.getProtectionDomain().getCodeSource().getLocation().getPath();\n"
            + "      }\n"
            + "      public Scorer create(Parameters p, PluginContext c) {\n"
            + "        return new Scorer() {\n"
            + "          public List<PortSpec> inputs() { return ImmutableList.of(PortSpec.of(\"x\", DType.FLOAT32, \"batch\", 1)); }\n"
            + "          public List<PortSpec> outputs() { return ImmutableList.of(PortSpec.of(\"score\", DType.FLOAT64, \"batch\")); }\n"
            + "          public String quantity() { return \"count\"; }\n"
            + "          public ScoreDirection direction() { return ScoreDirection.HIGHER_IS_MORE; }\n"
            + "          public double[] score(Batch b) {\n"
            + "            double[] s = new double[b.rows()];\n"
            + "            ImmutableList<Float> xs = ImmutableList.copyOf(com.google.common.primitives.Floats.asList(b.column(\"x\").toFloatArray()));\n"
            + "            for (int i = 0; i < s.length; i++) s[i] = xs.get(i) * 2;\n"
            + "            return s;\n"
            + "          }\n"
            + "        };\n"
            + "      }\n"
            + "    });\n"
            + "  }\n"
            + "}\n";

    @Test
    void pluginAndHostEachUseTheirOwnGuava(@TempDir Path dir) throws Exception {
        Path guava31 = Path.of(System.getProperty("genpipe.test.isolationLibs"), "guava-31.1-jre.jar");
        assertTrue(Files.isRegularFile(guava31), "missing " + guava31 + " (copied by maven-dependency-plugin)");
        Path pluginFolder = dir.resolve("iso");
        Files.createDirectories(pluginFolder);
        PluginJarBuilder.plugin("iso")
                .source("iso.IsoPlugin", SOURCE)
                .compileAgainst(guava31)
                .build(pluginFolder.resolve("iso.jar"));
        Files.copy(guava31, pluginFolder.resolve("guava-31.1-jre.jar"));

        String hostGuava = ImmutableList.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .getPath();
        assertTrue(hostGuava.matches(".*/guava-33[^/]*\\.jar"), hostGuava);

        try (Genpipe genpipe = Genpipe.builder().pluginsDir(dir).build()) {
            RegisteredFactory factory =
                    genpipe.components().find("guava-version-scorer").orElseThrow();
            String pluginGuava = factory.factory().description();
            assertTrue(pluginGuava.endsWith("/iso/guava-31.1-jre.jar"), pluginGuava);
            Class<?> pluginImmutableList =
                    factory.plugin().classLoader().loadClass("com.google.common.collect.ImmutableList");
            assertNotSame(ImmutableList.class, pluginImmutableList);

            Scorer scorer = genpipe.scorer("guava-version-scorer", Map.of());
            try (Batch b = Batch.builder(2)
                    .column("x", BufferTensor.ofFloats(new float[] {1.5f, -2f}, 2, 1))
                    .build()) {
                assertEquals(3.0, scorer.score(b)[0]);
                assertEquals(-4.0, scorer.score(b)[1]);
            }
            // the host's own Guava still works after the plugin's loaded
            assertEquals(2, ImmutableList.of(1, 2).size());
        }
    }
}
