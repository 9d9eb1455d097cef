package io.genpipe.runtime.plugin;

import static io.genpipe.runtime.testing.PluginJarBuilder.plugin;
import static io.genpipe.runtime.testing.PluginJarBuilder.scorerPlugin;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.api.ApiVersion;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.spi.ComponentFactory;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.step.StepKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginManagerTest {

    @TempDir
    Path dir;

    private List<String> problems() {
        try (PluginSet set = PluginManager.forHost().scan(false, dir)) {
            return set.problems();
        }
    }

    private String onlyProblem() {
        List<String> problems = problems();
        assertEquals(1, problems.size(), problems.toString());
        return problems.get(0);
    }

    @Test
    void loadsAPluginJarAndRunsItsComponent() {
        plugin("demo")
                .source("demo.DemoPlugin", scorerPlugin("demo", "DemoPlugin", "demo-sum"))
                .build(dir.resolve("demo.jar"));
        try (Genpipe genpipe = Genpipe.builder().pluginsDir(dir).build()) {
            LoadedPlugin demo = genpipe.plugins().stream()
                    .filter(p -> p.name().equals("demo"))
                    .findFirst()
                    .orElseThrow();
            assertEquals("1.0.0", demo.descriptor().version());
            assertEquals(dir.resolve("demo.jar").toString(), demo.location());
            assertTrue(demo.classLoader() instanceof PluginClassLoader);
            Scorer scorer = genpipe.scorer("demo-sum", Map.of());
            try (Batch batch = Batch.builder(2)
                    .column("x", BufferTensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3))
                    .build()) {
                assertArrayEquals(new double[] {6, 15}, scorer.score(batch), 1e-9);
            }
        }
    }

    @Test
    void corruptJar() throws Exception {
        Files.write(dir.resolve("broken.jar"), new byte[] {'n', 'o', 't', ' ', 'a', ' ', 'j', 'a', 'r'});
        assertEquals(
                "Plugin jar " + dir.resolve("broken.jar") + " cannot be read as a jar (zip END header not found);"
                        + " rebuild it or remove it from " + dir,
                onlyProblem());
    }

    @Test
    void missingManifest() {
        plugin("demo")
                .descriptor(null)
                .source("demo.DemoPlugin", scorerPlugin("demo", "DemoPlugin", "demo-sum"))
                .build(dir.resolve("demo.jar"));
        assertEquals(
                "Plugin " + dir.resolve("demo.jar") + " has no META-INF/genpipe-plugin.properties; add one with"
                        + " name=, version= and apiVersion=" + ApiVersion.CURRENT
                        + " (the genpipe-api version it is built against)",
                onlyProblem());
    }

    @Test
    void manifestWithoutApiVersion() {
        plugin("demo")
                .descriptor("name=demo\nversion=1.0.0\n")
                .source("demo.DemoPlugin", scorerPlugin("demo", "DemoPlugin", "demo-sum"))
                .build(dir.resolve("demo.jar"));
        assertEquals(
                "Plugin " + dir.resolve("demo.jar") + ": META-INF/genpipe-plugin.properties lacks apiVersion;"
                        + " it needs name=, version= and apiVersion=",
                onlyProblem());
    }

    @Test
    void incompatibleMajorApiVersion() {
        ApiVersion future = new ApiVersion(ApiVersion.CURRENT.major() + 1, 0);
        plugin("demo")
                .descriptor("name=demo\nversion=3.1.0\napiVersion=" + future + "\n")
                .source("demo.DemoPlugin", scorerPlugin("demo", "DemoPlugin", "demo-sum"))
                .build(dir.resolve("demo.jar"));
        assertEquals(
                "Plugin 'demo' 3.1.0 (" + dir.resolve("demo.jar") + ") was built for genpipe-api " + future
                        + ", but this genpipe provides genpipe-api " + ApiVersion.CURRENT
                        + "; rebuild the plugin against"
                        + " genpipe-api " + ApiVersion.CURRENT,
                onlyProblem());
    }

    @Test
    void newerMinorApiVersion() {
        ApiVersion newer = new ApiVersion(ApiVersion.CURRENT.major(), ApiVersion.CURRENT.minor() + 1);
        plugin("demo")
                .descriptor("name=demo\nversion=1.0.0\napiVersion=" + newer + "\n")
                .source("demo.DemoPlugin", scorerPlugin("demo", "DemoPlugin", "demo-sum"))
                .build(dir.resolve("demo.jar"));
        assertEquals(
                "Plugin 'demo' 1.0.0 (" + dir.resolve("demo.jar") + ") was built for genpipe-api " + newer
                        + ", but this genpipe provides genpipe-api " + ApiVersion.CURRENT
                        + "; upgrade genpipe to a release"
                        + " providing api " + newer + " or later, or rebuild the plugin against genpipe-api "
                        + ApiVersion.CURRENT,
                onlyProblem());
    }

    @Test
    void missingServiceEntry() {
        plugin("demo")
                .noServiceEntry()
                .source("demo.DemoPlugin", scorerPlugin("demo", "DemoPlugin", "demo-sum"))
                .build(dir.resolve("demo.jar"));
        assertEquals(
                "Plugin 'demo' (" + dir.resolve("demo.jar") + ") has no"
                        + " META-INF/services/io.genpipe.api.spi.GenpipePlugin entry; add that file naming your GenpipePlugin"
                        + " implementation class",
                onlyProblem());
    }

    @Test
    void serviceEntryNamingAMissingClass() {
        plugin("demo")
                .source("demo.DemoPlugin", scorerPlugin("demo", "DemoPlugin", "demo-sum"))
                .serviceEntry("demo.Missing")
                .build(dir.resolve("demo.jar"));
        assertEquals(
                "Plugin 'demo' (" + dir.resolve("demo.jar") + "): META-INF/services/io.genpipe.api.spi.GenpipePlugin"
                        + " names a class that cannot be loaded as a GenpipePlugin: io.genpipe.api.spi.GenpipePlugin: Provider"
                        + " demo.Missing not found",
                onlyProblem());
    }

    @Test
    void duplicateComponentName() {
        plugin("alpha")
                .source("alpha.AlphaPlugin", scorerPlugin("alpha", "AlphaPlugin", "shared-sum"))
                .build(dir.resolve("alpha.jar"));
        plugin("beta")
                .source("beta.BetaPlugin", scorerPlugin("beta", "BetaPlugin", "shared-sum"))
                .build(dir.resolve("beta.jar"));
        assertEquals(
                "Component name 'shared-sum' is provided twice: by plugin 'alpha' (" + dir.resolve("alpha.jar")
                        + ", scorer) and by plugin 'beta' (" + dir.resolve("beta.jar")
                        + ", scorer); component names must be"
                        + " unique across plugins: remove one plugin or rename the component",
                onlyProblem());
    }

    @Test
    void componentNameClashingWithABuiltin() throws Exception {
        plugin("clash")
                .source("clash.ClashPlugin", scorerPlugin("clash", "ClashPlugin", "gaussian"))
                .build(dir.resolve("clash.jar"));
        try (PluginSet set = PluginManager.forHost().scan(true, dir)) {
            assertEquals(1, set.problems().size(), set.problems().toString());
            assertTrue(
                    set.problems()
                            .get(0)
                            .startsWith("Component name 'gaussian' is provided twice: by plugin" + " 'builtin' ("),
                    set.problems().get(0));
        }
    }

    @Test
    void pluginConstructorThatThrows() {
        plugin("demo")
                .source(
                        "demo.DemoPlugin",
                        scorerPlugin(
                                "demo",
                                "DemoPlugin",
                                "demo-sum",
                                "public DemoPlugin() { throw new IllegalStateException(\"cannot find my weights\"); }"))
                .build(dir.resolve("demo.jar"));
        assertEquals(
                "Plugin 'demo' (" + dir.resolve("demo.jar") + "): creating demo.DemoPlugin failed:"
                        + " java.lang.IllegalStateException: cannot find my weights; a GenpipePlugin needs a public"
                        + " no-argument constructor that does no work",
                onlyProblem());
    }

    @Test
    void factoryListingThatThrows() {
        plugin("demo")
                .source(
                        "demo.DemoPlugin",
                        scorerPlugin(
                                "demo",
                                "DemoPlugin",
                                "demo-sum",
                                "public List<SamplerFactory> samplers() { throw new UnsupportedOperationException(\"not yet\"); }"))
                .build(dir.resolve("demo.jar"));
        assertEquals(
                "Plugin 'demo' (" + dir.resolve("demo.jar") + "): samplers() failed:"
                        + " java.lang.UnsupportedOperationException: not yet; listing factories must not fail (load models"
                        + " in create(), not before)",
                onlyProblem());
    }

    @Test
    void factoryCreateThatThrowsNamesComponentAndPlugin() {
        String source = scorerPlugin("demo", "DemoPlugin", "demo-sum")
                .replace(
                        "return new Scorer() {",
                        "if (true) throw new IllegalArgumentException(\"weights missing\");\n"
                                + "        return new Scorer() {");
        plugin("demo").source("demo.DemoPlugin", source).build(dir.resolve("demo.jar"));
        try (Genpipe genpipe = Genpipe.builder().pluginsDir(dir).build()) {
            GenpipeException e = assertThrows(GenpipeException.class, () -> genpipe.scorer("demo-sum", Map.of()));
            assertEquals(
                    "scorer 'demo-sum' (plugin 'demo' 1.0.0 (" + dir.resolve("demo.jar") + ")) could not be created:"
                            + " java.lang.IllegalArgumentException: weights missing (at demo.DemoPlugin$1.create(DemoPlugin.java:13))",
                    e.getMessage());
        }
    }

    @Test
    void invalidComponentName() {
        plugin("demo")
                .source("demo.DemoPlugin", scorerPlugin("demo", "DemoPlugin", "Demo Sum"))
                .build(dir.resolve("demo.jar"));
        assertEquals(
                "Plugin 'demo' (" + dir.resolve("demo.jar") + "): a scorer factory has the invalid name 'Demo Sum';"
                        + " names are lower-case letters, digits and dashes, e.g. my-scorer",
                onlyProblem());
    }

    @Test
    void pluginProvidingNothing() {
        plugin("empty")
                .source(
                        "empty.EmptyPlugin",
                        "package empty; public final class EmptyPlugin implements io.genpipe.api.spi.GenpipePlugin {}")
                .build(dir.resolve("empty.jar"));
        assertEquals(
                "Plugin 'empty' (" + dir.resolve("empty.jar") + ") provides no components; its GenpipePlugin lists"
                        + " no generators, encoders, samplers or scorers",
                onlyProblem());
    }

    @Test
    void folderWithoutJars() throws Exception {
        Files.createDirectories(dir.resolve("half-installed"));
        Files.writeString(dir.resolve("half-installed/README.txt"), "jars go here");
        assertEquals(
                "Plugin folder " + dir.resolve("half-installed") + " contains no .jar files; a plugin folder holds"
                        + " the plugin's jar and the jars it depends on",
                onlyProblem());
    }

    @Test
    void missingPluginsDirectory() {
        Path missing = dir.resolve("nope");
        try (PluginSet set = PluginManager.forHost().scan(false, missing)) {
            assertEquals(List.of("Plugins directory " + missing + " does not exist"), set.problems());
        }
    }

    @Test
    void sameNameInstalledTwice() {
        plugin("demo")
                .source("demo.DemoPlugin", scorerPlugin("demo", "DemoPlugin", "demo-sum"))
                .build(dir.resolve("a.jar"));
        plugin("demo")
                .source("demo.DemoPlugin", scorerPlugin("demo", "DemoPlugin", "demo-sum"))
                .build(dir.resolve("b.jar"));
        assertEquals(
                "Plugin 'demo' is installed twice: " + dir.resolve("a.jar") + " and " + dir.resolve("b.jar")
                        + "; remove one",
                onlyProblem());
    }

    @Test
    void buildFailsListingEveryBrokenPlugin() throws Exception {
        Files.write(dir.resolve("broken.jar"), new byte[] {1, 2, 3});
        plugin("demo")
                .noServiceEntry()
                .source("demo.DemoPlugin", scorerPlugin("demo", "DemoPlugin", "demo-sum"))
                .build(dir.resolve("demo.jar"));
        PluginLoadException e = assertThrows(
                PluginLoadException.class,
                () -> Genpipe.builder().pluginsDir(dir).build());
        assertEquals(2, e.problems().size());
        assertTrue(e.getMessage().startsWith("2 plugin problems:"), e.getMessage());
    }

    @Test
    void classPathPluginsIncludeTheBuiltins() {
        try (PluginSet set = PluginManager.forHost().load(true, List.of())) {
            LoadedPlugin builtin = set.plugins().stream()
                    .filter(p -> p.name().equals("builtin"))
                    .findFirst()
                    .orElseThrow();
            assertEquals(ApiVersion.CURRENT, builtin.descriptor().apiVersion());
            assertEquals(
                    List.of("gaussian", "latent-walk", "onnx-model", "truncated-gaussian", "uniform"),
                    builtin.factories().stream()
                            .map(ComponentFactory::name)
                            .sorted()
                            .collect(Collectors.toList()));
        }
    }

    @Test
    void pluginCannotSeeHostInternals() throws Exception {
        plugin("demo")
                .source("demo.DemoPlugin", scorerPlugin("demo", "DemoPlugin", "demo-sum"))
                .build(dir.resolve("demo.jar"));
        try (PluginSet set = PluginManager.forHost().load(false, dir)) {
            ClassLoader loader = set.plugins().get(0).classLoader();
            assertEquals(Scorer.class, loader.loadClass("io.genpipe.api.Scorer"));
            assertThrows(ClassNotFoundException.class, () -> loader.loadClass("io.genpipe.runtime.Genpipe"));
            assertThrows(ClassNotFoundException.class, () -> loader.loadClass("com.google.inject.Guice"));
            assertThrows(ClassNotFoundException.class, () -> loader.loadClass("ai.onnxruntime.OrtEnvironment"));
            assertNotEquals(null, loader.loadClass("java.sql.Connection"));
        }
    }

    @Test
    void aComponentCannotTakeABuiltinStepsName() throws Exception {
        plugin("demo")
                .source("demo.DemoPlugin", scorerPlugin("demo", "DemoPlugin", "filter"))
                .build(dir.resolve("demo.jar"));
        GenpipeException e = Assertions.assertThrows(
                GenpipeException.class, () -> Genpipe.builder().pluginsDir(dir).build());
        assertEquals(
                "the scorer 'filter' of plugin 'demo' 1.0.0 (" + dir.resolve("demo.jar")
                        + ") has the name of a built-in" + " step; rename the component",
                e.getMessage());
    }

    @Test
    void theCatalogListsBuiltinStepsAndComponentsTogether() {
        try (Genpipe genpipe = Genpipe.builder().build()) {
            List<String> names = genpipe.catalog().names();
            assertEquals("idx-source", names.get(0));
            Assertions.assertTrue(names.contains("flag-quantile") && names.contains("gaussian"), names.toString());
            assertEquals(
                    StepKind.GLOBAL,
                    genpipe.catalog().steps().get("flag-quantile").execution());
        }
    }
}
