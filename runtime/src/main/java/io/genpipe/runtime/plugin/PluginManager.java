package io.genpipe.runtime.plugin;

import io.genpipe.api.ApiVersion;
import io.genpipe.api.spi.ComponentFactory;
import io.genpipe.api.spi.GenpipePlugin;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.jar.JarFile;

/**
 * Finds plugins on the host class path and in a plugins directory, checks each, and loads it, in the steps
 * Trino's plugin manager takes: discovery ({@link PluginDiscovery}), the descriptor and its api version ({@link
 * PluginDescriptors}), a class loader of its own ({@link PluginClassLoader}), the plugin's instance and its
 * factories, each call into plugin code bounded ({@link PluginInstances}), and names unique across plugins.
 *
 * <p>A plugins directory holds one entry per plugin: a {@code .jar}, or a folder of jars (the plugin's jar and the
 * libraries it bundles). Other files are ignored. Every problem found is reported with the plugin, its location and
 * what to fix; a broken plugin is skipped, never half-loaded.
 */
public final class PluginManager {

    /** The manifest every plugin carries. */
    public static final String DESCRIPTOR = "META-INF/genpipe-plugin.properties";

    /**
     * Where a jar that merges several class-path plugins (an application's shaded jar) keeps each one's
     * descriptor: {@code META-INF/genpipe-plugin/<plugin class>.properties}.
     */
    public static final String CLASS_DESCRIPTORS = "META-INF/genpipe-plugin/";

    /** The ServiceLoader entry naming a plugin's {@link GenpipePlugin} implementation. */
    public static final String SERVICE_ENTRY = "META-INF/services/" + GenpipePlugin.class.getName();

    private final PluginDescriptors descriptors;
    private final ClassLoader hostLoader;

    /**
     * @param hostApi the api version this runtime provides
     * @param hostLoader the loader that holds {@code io.genpipe.api} and the class-path plugins
     */
    public PluginManager(ApiVersion hostApi, ClassLoader hostLoader) {
        this.descriptors = new PluginDescriptors(Objects.requireNonNull(hostApi, "hostApi is null"));
        this.hostLoader = Objects.requireNonNull(hostLoader, "hostLoader is null");
    }

    /** A manager for the api and class path this class was loaded with. */
    public static PluginManager forHost() {
        return new PluginManager(ApiVersion.CURRENT, PluginManager.class.getClassLoader());
    }

    /**
     * Looks for plugins and returns what loaded plus every problem found; nothing is thrown for
     * a broken plugin. Call {@link PluginSet#requireNoProblems()} to fail on any.
     *
     * @param classPath whether to load the plugins on the host class path
     * @param pluginsDir a plugins directory, or null for none
     */
    public PluginSet scan(boolean classPath, Path pluginsDir) {
        return scan(classPath, pluginsDir == null ? List.of() : List.of(pluginsDir));
    }

    /** {@link #scan(boolean, Path)} over several plugins folders, in order (a folder listed twice is read once). */
    public PluginSet scan(boolean classPath, List<Path> pluginsDirs) {
        List<LoadedPlugin> plugins = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<URLClassLoader> loaders = new ArrayList<>();
        if (classPath) {
            for (PluginDiscovery.ClassPathPlugin found : PluginDiscovery.classPath(hostLoader, problems)) {
                loadFromClassPath(found, plugins, problems);
            }
        }
        for (Path dir : new LinkedHashSet<>(
                pluginsDirs.stream().map(d -> d.toAbsolutePath().normalize()).toList())) {
            for (PluginDiscovery.DirectoryPlugin found : PluginDiscovery.directory(dir, problems)) {
                loadFromDirectory(found, plugins, problems, loaders);
            }
        }
        removeDuplicates(plugins, problems);
        return new PluginSet(plugins, problems, loaders);
    }

    /** {@link #scan} and fail with every problem listed if any plugin is broken. */
    public PluginSet load(boolean classPath, Path pluginsDir) {
        return scan(classPath, pluginsDir).requireNoProblems();
    }

    /** {@link #scan(boolean, List)} and fail with every problem listed if any plugin is broken. */
    public PluginSet load(boolean classPath, List<Path> pluginsDirs) {
        return scan(classPath, pluginsDirs).requireNoProblems();
    }

    private void loadFromClassPath(
            PluginDiscovery.ClassPathPlugin found, List<LoadedPlugin> plugins, List<String> problems) {
        String location = found.location();
        Properties props = PluginDescriptors.readClassPath(location, found.descriptor());
        PluginDescriptor descriptor =
                props == null ? descriptors.missing(location, problems) : descriptors.check(props, location, problems);
        if (descriptor == null) {
            return;
        }
        List<GenpipePlugin> instances = new ArrayList<>();
        for (ServiceLoader.Provider<GenpipePlugin> provider : found.providers()) {
            GenpipePlugin instance = PluginInstances.instantiate(
                    descriptor, location, hostLoader, provider.type().getName(), provider, problems);
            if (instance != null) {
                instances.add(instance);
            }
        }
        register(descriptor, location, hostLoader, instances, plugins, problems);
    }

    private void loadFromDirectory(
            PluginDiscovery.DirectoryPlugin found,
            List<LoadedPlugin> plugins,
            List<String> problems,
            List<URLClassLoader> loaders) {
        Path entry = found.entry();
        String location = entry.toString();
        if (found.jars().isEmpty()) {
            problems.add("Plugin folder " + location + " contains no .jar files; a plugin folder holds the plugin's"
                    + " jar and the jars it depends on");
            return;
        }
        Properties props = null;
        List<String> descriptorJars = new ArrayList<>();
        boolean hasServiceEntry = false;
        for (Path jar : found.jars()) {
            try (JarFile jarFile = new JarFile(jar.toFile())) {
                Properties own = PluginDescriptors.read(jarFile);
                if (own != null) {
                    descriptorJars.add(jar.getFileName().toString());
                    props = own;
                }
                hasServiceEntry |= jarFile.getEntry(SERVICE_ENTRY) != null;
            } catch (IOException e) {
                problems.add("Plugin jar " + jar + " cannot be read as a jar (" + e.getMessage()
                        + "); rebuild it or remove it from " + entry.getParent());
                return;
            }
        }
        if (descriptorJars.size() > 1) {
            problems.add("Plugin folder " + location + " has " + DESCRIPTOR + " in several jars " + descriptorJars
                    + "; only the plugin's own jar may carry it");
            return;
        }
        PluginDescriptor descriptor =
                props == null ? descriptors.missing(location, problems) : descriptors.check(props, location, problems);
        if (descriptor == null) {
            return;
        }
        if (!hasServiceEntry) {
            problems.add("Plugin '" + descriptor.name() + "' (" + location + ") has no " + SERVICE_ENTRY
                    + " entry; add that file naming your GenpipePlugin implementation class");
            return;
        }
        PluginClassLoader loader = new PluginClassLoader(descriptor.name(), entry, urls(found.jars()), hostLoader);
        loaders.add(loader);
        List<ServiceConfigurationError> errors = new ArrayList<>();
        List<ServiceLoader.Provider<GenpipePlugin>> providers = PluginDiscovery.providers(loader, errors);
        if (!errors.isEmpty()) {
            problems.add("Plugin '" + descriptor.name() + "' (" + location + "): " + SERVICE_ENTRY
                    + " names a class that cannot be loaded as a GenpipePlugin: "
                    + PluginDiscovery.oneLine(errors.get(0)));
            return;
        }
        List<GenpipePlugin> instances = new ArrayList<>();
        for (ServiceLoader.Provider<GenpipePlugin> provider : providers) {
            GenpipePlugin instance = PluginInstances.instantiate(
                    descriptor, location, loader, provider.type().getName(), provider, problems);
            if (instance == null) {
                return;
            }
            instances.add(instance);
        }
        register(descriptor, location, loader, instances, plugins, problems);
    }

    private static void register(
            PluginDescriptor descriptor,
            String location,
            ClassLoader loader,
            List<GenpipePlugin> instances,
            List<LoadedPlugin> plugins,
            List<String> problems) {
        List<ComponentFactory<?>> factories =
                PluginInstances.factories(descriptor, location, loader, instances, problems);
        if (factories != null) {
            plugins.add(new LoadedPlugin(descriptor, location, loader, factories));
        }
    }

    /** A plugin installed twice, or a component name two plugins provide: a problem, and the later one is dropped. */
    private static void removeDuplicates(List<LoadedPlugin> plugins, List<String> problems) {
        Map<String, LoadedPlugin> pluginNames = new LinkedHashMap<>();
        Map<String, LoadedPlugin> owners = new LinkedHashMap<>();
        Map<String, ComponentFactory<?>> factories = new LinkedHashMap<>();
        List<LoadedPlugin> duplicates = new ArrayList<>();
        for (LoadedPlugin plugin : plugins) {
            LoadedPlugin twin = pluginNames.putIfAbsent(plugin.name(), plugin);
            if (twin != null) {
                problems.add("Plugin '" + plugin.name() + "' is installed twice: " + twin.location() + " and "
                        + plugin.location() + "; remove one");
                duplicates.add(plugin);
                continue;
            }
            for (ComponentFactory<?> factory : plugin.factories()) {
                LoadedPlugin first = owners.putIfAbsent(factory.name(), plugin);
                if (first != null) {
                    ComponentFactory<?> other = factories.get(factory.name());
                    problems.add("Component name '" + factory.name() + "' is provided twice: by plugin '"
                            + first.name() + "' (" + first.location() + ", "
                            + other.role().label()
                            + ") and by plugin '" + plugin.name() + "' (" + plugin.location() + ", "
                            + factory.role().label() + "); component names must be unique across plugins: remove"
                            + " one plugin or rename the component");
                    if (!duplicates.contains(plugin)) {
                        duplicates.add(plugin);
                    }
                } else {
                    factories.put(factory.name(), factory);
                }
            }
        }
        plugins.removeAll(duplicates);
    }

    private static URL[] urls(List<Path> jars) {
        URL[] urls = new URL[jars.size()];
        for (int i = 0; i < urls.length; i++) {
            try {
                urls[i] = jars.get(i).toUri().toURL();
            } catch (MalformedURLException e) {
                throw new IllegalStateException(e);
            }
        }
        return urls;
    }
}
