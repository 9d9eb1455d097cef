package io.genpipe.runtime.testing;

import io.genpipe.api.ApiVersion;
import io.genpipe.api.spi.GenpipePlugin;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds a real plugin jar at test time: compiles Java sources against genpipe-api (and any
 * bundled libraries) with the JDK's compiler, and writes the classes, the
 * {@code META-INF/services} entry and {@code META-INF/genpipe-plugin.properties}.
 *
 * <pre>{@code
 * Path jar = PluginJarBuilder.plugin("demo")
 *         .source("demo.DemoPlugin", PluginJarBuilder.scorerPlugin("demo", "DemoPlugin", "demo-scorer"))
 *         .build(dir.resolve("demo.jar"));
 * }</pre>
 */
public final class PluginJarBuilder {

    private final Map<String, String> sources = new LinkedHashMap<>();
    private final Map<String, byte[]> extraEntries = new LinkedHashMap<>();
    private final List<Path> classPath = new ArrayList<>();
    private String descriptor;
    private String serviceEntry;
    private boolean writeServiceEntry = true;

    private PluginJarBuilder(String name) {
        this.descriptor = "name=" + name + "\nversion=1.0.0\napiVersion=" + ApiVersion.CURRENT + "\n";
    }

    /** A plugin named {@code name}, built for the current api version. */
    public static PluginJarBuilder plugin(String name) {
        return new PluginJarBuilder(name);
    }

    /** A class to compile; the first one added is the plugin class the services entry names. */
    public PluginJarBuilder source(String className, String code) {
        sources.put(className, code);
        if (serviceEntry == null) {
            serviceEntry = className;
        }
        return this;
    }

    /** Replaces the manifest's text; null leaves it out. */
    public PluginJarBuilder descriptor(String text) {
        this.descriptor = text;
        return this;
    }

    public PluginJarBuilder noServiceEntry() {
        this.writeServiceEntry = false;
        return this;
    }

    /** What the services entry names (default: the first source's class). */
    public PluginJarBuilder serviceEntry(String className) {
        this.serviceEntry = className;
        return this;
    }

    /** Compiles against this jar too (a library the plugin bundles beside it). */
    public PluginJarBuilder compileAgainst(Path jar) {
        classPath.add(jar);
        return this;
    }

    public PluginJarBuilder entry(String name, byte[] content) {
        extraEntries.put(name, content);
        return this;
    }

    /** Compiles and writes the jar; returns its path. */
    public Path build(Path jar) {
        try {
            Path work = Files.createTempDirectory("plugin-build-");
            Path src = work.resolve("src");
            Path classes = work.resolve("classes");
            Files.createDirectories(classes);
            List<String> files = new ArrayList<>();
            for (Map.Entry<String, String> e : sources.entrySet()) {
                Path file = src.resolve(e.getKey().replace('.', '/') + ".java");
                Files.createDirectories(file.getParent());
                Files.writeString(file, e.getValue());
                files.add(file.toString());
            }
            if (!files.isEmpty()) {
                compile(files, classes);
            }
            Files.createDirectories(jar.toAbsolutePath().getParent());
            try (OutputStream out = Files.newOutputStream(jar);
                    JarOutputStream zip = new JarOutputStream(out)) {
                try (Stream<Path> walk = Files.walk(classes)) {
                    for (Path f : walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList())) {
                        put(zip, classes.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
                    }
                }
                if (descriptor != null) {
                    put(zip, "META-INF/genpipe-plugin.properties", descriptor.getBytes(StandardCharsets.UTF_8));
                }
                if (writeServiceEntry && serviceEntry != null) {
                    put(
                            zip,
                            "META-INF/services/" + GenpipePlugin.class.getName(),
                            (serviceEntry + "\n").getBytes(StandardCharsets.UTF_8));
                }
                for (Map.Entry<String, byte[]> e : extraEntries.entrySet()) {
                    put(zip, e.getKey(), e.getValue());
                }
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void compile(List<String> files, Path classes) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("no Java compiler: run the tests on a JDK, not a JRE");
        }
        List<String> cp = new ArrayList<>();
        cp.add(apiLocation().toString());
        classPath.forEach(p -> cp.add(p.toString()));
        List<String> args = new ArrayList<>(List.of(
                "--release", "17", "-proc:none", "-d", classes.toString(), "-cp", String.join(File.pathSeparator, cp)));
        args.addAll(files);
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = javac.run(null, errors, errors, args.toArray(new String[0]));
        if (rc != 0) {
            throw new IllegalStateException("plugin sources did not compile:\n" + errors);
        }
    }

    /** Where the genpipe-api classes are (a jar or target/classes). */
    public static Path apiLocation() {
        try {
            return Path.of(GenpipePlugin.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void put(JarOutputStream zip, String name, byte[] content) throws IOException {
        JarEntry entry = new JarEntry(name);
        entry.setTime(0);
        zip.putNextEntry(entry);
        zip.write(content);
        zip.closeEntry();
    }

    /**
     * Source of a plugin class {@code pkg.className} providing one scorer named {@code component}
     * that scores each row by the sum of its {@code x} column (float32[batch,n]). {@code extra} is
     * inserted into the plugin class body (e.g. a constructor that throws).
     */
    public static String scorerPlugin(String pkg, String className, String component, String extra) {
        return "package " + pkg + ";\n"
                + "import io.genpipe.api.*;\n"
                + "import io.genpipe.api.data.*;\n"
                + "import io.genpipe.api.spi.*;\n"
                + "import java.util.List;\n"
                + "public final class " + className + " implements GenpipePlugin {\n"
                + extra + "\n"
                + "  public List<ScorerFactory> scorers() {\n"
                + "    return List.of(new ScorerFactory() {\n"
                + "      public String name() { return \"" + component + "\"; }\n"
                + "      public String description() { return describe(); }\n"
                + "      public Scorer create(Parameters p, PluginContext c) {\n"
                + "        return new Scorer() {\n"
                + "          public List<PortSpec> inputs() { return List.of(PortSpec.of(\"x\", DType.FLOAT32, \"batch\", \"n\")); }\n"
                + "          public List<PortSpec> outputs() { return List.of(PortSpec.of(\"score\", DType.FLOAT64, \"batch\")); }\n"
                + "          public String quantity() { return \"sum\"; }\n"
                + "          public ScoreDirection direction() { return ScoreDirection.HIGHER_IS_MORE; }\n"
                + "          public double[] score(Batch b) {\n"
                + "            float[] x = b.column(\"x\").toFloatArray();\n"
                + "            int n = x.length / b.rows();\n"
                + "            double[] s = new double[b.rows()];\n"
                + "            for (int i = 0; i < x.length; i++) s[i / n] += x[i];\n"
                + "            return s;\n"
                + "          }\n"
                + "        };\n"
                + "      }\n"
                + "    });\n"
                + "  }\n"
                + "  static String describe() { return \"sums each row\"; }\n"
                + "}\n";
    }

    public static String scorerPlugin(String pkg, String className, String component) {
        return scorerPlugin(pkg, className, component, "");
    }
}
