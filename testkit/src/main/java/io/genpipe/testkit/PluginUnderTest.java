package io.genpipe.testkit;

import io.genpipe.api.Component;
import io.genpipe.api.Role;
import io.genpipe.api.spi.ComponentFactory;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.pipeline.run.OutputFolder;
import io.genpipe.runtime.plugin.LoadedPlugin;
import io.genpipe.runtime.plugin.PluginManager;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A plugin loaded the way genpipe deploys it: from a plugins folder, in its own isolated class
 * loader, with none of the test's class path visible to it except {@code io.genpipe.api}. The
 * runtime it lives in has no other plugin (class-path plugins are off), so what passes here passes
 * after {@code cp my-plugin.jar ~/genpipe-plugins/}.
 *
 * <pre>{@code
 * try (PluginUnderTest plugin = PluginUnderTest.buildOutput()) {      // target/classes, jarred
 *     Scorer s = plugin.create(Role.SCORER, "example-sharpness", Map.of());
 * }
 * }</pre>
 *
 * <p>Closing it closes every component it created, the runtime's sessions and the plugin's
 * class loader.
 */
public final class PluginUnderTest implements AutoCloseable {

    private final Genpipe genpipe;
    private final LoadedPlugin plugin;
    private final Path workDir;
    private final Path pluginsDir;

    private PluginUnderTest(Path pluginsDir, Path workDir, long seed) {
        this.pluginsDir = pluginsDir;
        this.workDir = workDir;
        Genpipe built;
        try {
            built = Genpipe.builder()
                    .classPathPlugins(false)
                    .pluginsDir(pluginsDir)
                    .seed(seed)
                    .build();
        } catch (RuntimeException e) {
            deleteQuietly(workDir);
            throw e;
        }
        this.genpipe = built;
        if (genpipe.plugins().size() != 1) {
            List<String> names =
                    genpipe.plugins().stream().map(LoadedPlugin::name).toList();
            close();
            throw new IllegalStateException("expected exactly one plugin in " + pluginsDir + ", found " + names);
        }
        this.plugin = genpipe.plugins().get(0);
    }

    /** The plugin jar {@code jar} (libraries it bundles go in a folder: use {@link #folder}). */
    public static PluginUnderTest jar(Path jar) {
        return jar(jar, 1);
    }

    /** The plugin jar {@code jar}; the runtime's seed is {@code seed}. */
    public static PluginUnderTest jar(Path jar, long seed) {
        require(Files.isRegularFile(jar), "plugin jar " + jar.toAbsolutePath() + " does not exist; build it first");
        Path work = tempDir();
        try {
            Path dir = Files.createDirectories(work.resolve("plugins"));
            Files.copy(jar, dir.resolve(jar.getFileName().toString()));
            return new PluginUnderTest(dir, work, seed);
        } catch (IOException e) {
            deleteQuietly(work);
            throw new UncheckedIOException(e);
        }
    }

    /** A plugin folder as installed: the plugin's jar and the jars it bundles. */
    public static PluginUnderTest folder(Path folder) {
        require(Files.isDirectory(folder), "plugin folder " + folder.toAbsolutePath() + " does not exist");
        Path work = tempDir();
        try {
            Path dir = Files.createDirectories(
                    work.resolve("plugins").resolve(folder.getFileName().toString()));
            try (Stream<Path> jars = Files.list(folder)) {
                for (Path jar :
                        jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                    Files.copy(jar, dir.resolve(jar.getFileName().toString()));
                }
            }
            return new PluginUnderTest(dir.getParent(), work, 1);
        } catch (IOException e) {
            deleteQuietly(work);
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The plugin as the build has compiled it so far: {@code target/classes} of the module under
     * test, packed into a jar in a fresh plugin folder (the test phase runs before the jar is
     * built), with {@code libraries} (jars the plugin bundles) beside it.
     */
    public static PluginUnderTest buildOutput(Path classesDir, List<Path> libraries) {
        require(
                Files.isDirectory(classesDir),
                "build output " + classesDir.toAbsolutePath()
                        + " does not exist; run the tests through Maven (mvn test) so that the plugin is compiled first");
        require(
                Files.isRegularFile(classesDir.resolve(PluginManager.DESCRIPTOR)),
                classesDir.toAbsolutePath() + " has no " + PluginManager.DESCRIPTOR
                        + "; put it under src/main/resources/META-INF/");
        Path work = tempDir();
        try {
            Path dir = Files.createDirectories(work.resolve("plugins").resolve("plugin-under-test"));
            packJar(classesDir, dir.resolve("plugin-under-test.jar"));
            for (Path library : libraries) {
                Files.copy(library, dir.resolve(library.getFileName().toString()));
            }
            return new PluginUnderTest(dir.getParent(), work, 1);
        } catch (IOException e) {
            deleteQuietly(work);
            throw new UncheckedIOException(e);
        }
    }

    /** {@link #buildOutput(Path, List)} of {@code target/classes}, bundling nothing. */
    public static PluginUnderTest buildOutput() {
        return buildOutput(Path.of("target", "classes"), List.of());
    }

    /** The runtime the plugin is loaded in (only this plugin, and the built-in steps). */
    public Genpipe genpipe() {
        return genpipe;
    }

    /** The plugins folder the runtime loaded it from. */
    public Path pluginsDir() {
        return pluginsDir;
    }

    public LoadedPlugin plugin() {
        return plugin;
    }

    /** Every factory the plugin lists, in its order. */
    public List<ComponentFactory<?>> factories() {
        return plugin.factories();
    }

    public Optional<ComponentFactory<?>> factory(String name) {
        return plugin.factories().stream().filter(f -> f.name().equals(name)).findFirst();
    }

    /** Builds a component through the host, parameters checked exactly as in a pipeline file. */
    public <T extends Component> T create(Role role, String name, Map<String, ?> parameters) {
        return genpipe.create(role, name, parameters);
    }

    /** Builds a component whose role is looked up by name. */
    public <T extends Component> T create(String name, Map<String, ?> parameters) {
        ComponentFactory<?> f = factory(name)
                .orElseThrow(() -> new IllegalArgumentException(
                        "plugin '" + plugin.name() + "' has no component '" + name + "'; it has "
                                + plugin.factories().stream()
                                        .map(ComponentFactory::name)
                                        .toList()));
        return genpipe.create(f.role(), name, parameters);
    }

    /** Native ONNX Runtime values currently open in this runtime. */
    public long liveNativeValues() {
        return genpipe.onnx().liveNativeValues();
    }

    @Override
    public void close() {
        try {
            genpipe.close();
        } finally {
            deleteQuietly(workDir);
        }
    }

    private static void packJar(Path classes, Path jar) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(classes)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        try (OutputStream out = Files.newOutputStream(jar);
                JarOutputStream zip = new JarOutputStream(out)) {
            List<String> dirs = new ArrayList<>();
            for (Path f : files) {
                String name = classes.relativize(f).toString().replace('\\', '/');
                for (int i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
                    String d = name.substring(0, i + 1);
                    if (!dirs.contains(d)) {
                        dirs.add(d);
                        zip.putNextEntry(new JarEntry(d));
                        zip.closeEntry();
                    }
                }
                zip.putNextEntry(new JarEntry(name));
                Files.copy(f, zip);
                zip.closeEntry();
            }
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("genpipe-testkit-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    static void deleteQuietly(Path dir) {
        if (dir != null) {
            OutputFolder.deleteTree(dir);
        }
    }
}
