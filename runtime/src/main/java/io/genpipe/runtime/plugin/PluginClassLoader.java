package io.genpipe.runtime.plugin;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Enumeration;

/**
 * A plugin's own class loader. Its parent is the platform class loader, so the plugin sees the
 * JDK and its own jars only; classes and resources of {@code io.genpipe.api} (and its
 * sub-packages) come from the host, so host and plugin agree on the SPI types. Everything else
 * the host has (Guice, Guava, ONNX Runtime, ...) stays invisible: a plugin may bundle other
 * versions of the same libraries without clashing.
 */
public final class PluginClassLoader extends URLClassLoader {

    private static final String API_PACKAGE = "io.genpipe.api.";
    private static final String API_RESOURCES = "io/genpipe/api/";

    static {
        ClassLoader.registerAsParallelCapable();
    }

    private final ClassLoader apiLoader;
    private final Path entry;

    /**
     * @param entry the plugins-directory entry the plugin came from: its jar, or its folder of jars
     */
    public PluginClassLoader(String pluginName, Path entry, URL[] jars, ClassLoader apiLoader) {
        super("genpipe-plugin-" + pluginName, jars, ClassLoader.getPlatformClassLoader());
        this.apiLoader = apiLoader;
        this.entry = entry;
    }

    /** The plugin's jar, or its folder of jars. */
    public Path entry() {
        return entry;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (name.startsWith(API_PACKAGE)) {
            return apiLoader.loadClass(name);
        }
        return super.loadClass(name, resolve);
    }

    @Override
    public URL getResource(String name) {
        return name.startsWith(API_RESOURCES) ? apiLoader.getResource(name) : super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        return name.startsWith(API_RESOURCES) ? apiLoader.getResources(name) : super.getResources(name);
    }
}
