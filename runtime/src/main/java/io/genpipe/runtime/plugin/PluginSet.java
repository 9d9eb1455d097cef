package io.genpipe.runtime.plugin;

import java.io.IOException;
import java.net.URLClassLoader;
import java.util.List;

/**
 * The plugins of one runtime, and the problems found while looking for them. Closing it closes
 * the plugins' class loaders (after which their classes cannot load more classes).
 */
public final class PluginSet implements AutoCloseable {

    private final List<LoadedPlugin> plugins;
    private final List<String> problems;
    private final List<URLClassLoader> ownedLoaders;

    PluginSet(List<LoadedPlugin> plugins, List<String> problems, List<URLClassLoader> ownedLoaders) {
        this.plugins = List.copyOf(plugins);
        this.problems = List.copyOf(problems);
        this.ownedLoaders = List.copyOf(ownedLoaders);
    }

    public List<LoadedPlugin> plugins() {
        return plugins;
    }

    /** Problems found; empty when every plugin loaded. */
    public List<String> problems() {
        return problems;
    }

    /** Throws a {@link PluginLoadException} listing every problem, if there are any. */
    public PluginSet requireNoProblems() {
        if (!problems.isEmpty()) {
            close();
            throw new PluginLoadException(problems);
        }
        return this;
    }

    @Override
    public void close() {
        for (URLClassLoader loader : ownedLoaders) {
            try {
                loader.close();
            } catch (IOException e) {
                // a jar that cannot be closed leaks one file handle; nothing more to do
            }
        }
    }
}
