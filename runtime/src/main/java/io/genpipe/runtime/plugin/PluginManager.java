package io.genpipe.runtime.plugin;

import io.genpipe.api.ApiVersion;
import io.genpipe.api.spi.ComponentFactory;
import io.genpipe.api.spi.GenpipePlugin;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Supplier;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;

/**
 * Finds plugins on the host class path and in a plugins directory, checks each, and loads it.
 *
 * <p>A plugins directory holds one entry per plugin: a {@code .jar}, or a folder of jars (the
 * plugin's jar and the libraries it bundles). Other files are ignored. Each plugin gets its own
 * {@link PluginClassLoader}. Checks, each with its own message: the jar reads; it carries
 * {@value #DESCRIPTOR} with {@code name}, {@code version}, {@code apiVersion}; the api version is
 * one this host can run; it has a {@code META-INF/services} entry; its plugin class can be
 * created; listing its factories works and gives valid, unique names.
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

    private static final Pattern COMPONENT_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");

    private final ApiVersion hostApi;
    private final ClassLoader hostLoader;

    /**
     * @param hostApi the api version this runtime provides
     * @param hostLoader the loader that holds {@code io.genpipe.api} and the class-path plugins
     */
    public PluginManager(ApiVersion hostApi, ClassLoader hostLoader) {
        this.hostApi = Objects.requireNonNull(hostApi, "hostApi is null");
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
        List<LoadedPlugin> plugins = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<URLClassLoader> loaders = new ArrayList<>();
        if (classPath) {
            scanClassPath(plugins, problems);
        }
        if (pluginsDir != null) {
            scanDirectory(pluginsDir.toAbsolutePath().normalize(), plugins, problems, loaders);
        }
        checkUnique(plugins, problems);
        return new PluginSet(plugins, problems, loaders);
    }

    /** {@link #scan} and fail with every problem listed if any plugin is broken. */
    public PluginSet load(boolean classPath, Path pluginsDir) {
        return scan(classPath, pluginsDir).requireNoProblems();
    }

    private void scanClassPath(List<LoadedPlugin> plugins, List<String> problems) {
        Map<String, List<ServiceLoader.Provider<GenpipePlugin>>> byLocation = new LinkedHashMap<>();
        List<ServiceConfigurationError> errors = new ArrayList<>();
        Map<String, String> descriptors = new LinkedHashMap<>(); // key -> descriptor resource
        Map<String, String> locations = new LinkedHashMap<>(); // key -> jar or folder
        for (ServiceLoader.Provider<GenpipePlugin> provider : providers(hostLoader, errors)) {
            // a jar that merges several plugins (an application's shaded jar) names each one's descriptor
            // after its plugin class; an ordinary plugin jar has the one descriptor
            String location = locationOf(provider.type());
            String own = CLASS_DESCRIPTORS + provider.type().getName() + ".properties";
            boolean perClass = readClassPathDescriptor(location, own) != null;
            String key = perClass ? location + "|" + own : location;
            descriptors.put(key, perClass ? own : DESCRIPTOR);
            locations.put(key, location);
            byLocation.computeIfAbsent(key, k -> new ArrayList<>()).add(provider);
        }
        errors.forEach(e -> problems.add("A class-path plugin is broken: " + oneLine(e)));
        for (Map.Entry<String, List<ServiceLoader.Provider<GenpipePlugin>>> entry : byLocation.entrySet()) {
            String location = locations.get(entry.getKey());
            Properties props = readClassPathDescriptor(location, descriptors.get(entry.getKey()));
            PluginDescriptor descriptor =
                    props == null ? noDescriptor(location, problems) : descriptor(props, location, problems);
            if (descriptor == null) {
                continue;
            }
            List<GenpipePlugin> instances = new ArrayList<>();
            for (ServiceLoader.Provider<GenpipePlugin> provider : entry.getValue()) {
                GenpipePlugin instance =
                        instantiate(descriptor, location, provider.type().getName(), provider, problems);
                if (instance != null) {
                    instances.add(instance);
                }
            }
            finish(descriptor, location, hostLoader, instances, plugins, problems);
        }
    }

    private void scanDirectory(
            Path dir, List<LoadedPlugin> plugins, List<String> problems, List<URLClassLoader> loaders) {
        if (!Files.isDirectory(dir)) {
            problems.add("Plugins directory " + dir + (Files.exists(dir) ? " is not a directory" : " does not exist"));
            return;
        }
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(entries::add);
        } catch (IOException e) {
            problems.add("Plugins directory " + dir + " cannot be listed: " + e.getMessage());
            return;
        }
        entries.sort(null);
        for (Path entry : entries) {
            String fileName = entry.getFileName().toString();
            if (fileName.startsWith(".")) {
                continue;
            }
            if (Files.isDirectory(entry)) {
                loadFromPath(entry, jarsIn(entry), plugins, problems, loaders);
            } else if (fileName.toLowerCase(Locale.ROOT).endsWith(".jar")) {
                loadFromPath(entry, List.of(entry), plugins, problems, loaders);
            }
        }
    }

    private static List<Path> jarsIn(Path folder) {
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(folder, "*.jar")) {
            stream.forEach(jars::add);
        } catch (IOException e) {
            return List.of();
        }
        jars.sort(null);
        return jars;
    }

    private void loadFromPath(
            Path entry,
            List<Path> jars,
            List<LoadedPlugin> plugins,
            List<String> problems,
            List<URLClassLoader> loaders) {
        String location = entry.toString();
        if (jars.isEmpty()) {
            problems.add("Plugin folder " + location + " contains no .jar files; a plugin folder holds the plugin's jar"
                    + " and the jars it depends on");
            return;
        }
        Properties props = null;
        List<String> descriptorJars = new ArrayList<>();
        boolean hasServiceEntry = false;
        for (Path jar : jars) {
            try (JarFile jarFile = new JarFile(jar.toFile())) {
                ZipEntry descriptorEntry = jarFile.getEntry(DESCRIPTOR);
                if (descriptorEntry != null) {
                    descriptorJars.add(jar.getFileName().toString());
                    props = new Properties();
                    try (InputStream in = jarFile.getInputStream(descriptorEntry)) {
                        props.load(in);
                    }
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
                props == null ? noDescriptor(location, problems) : descriptor(props, location, problems);
        if (descriptor == null) {
            return;
        }
        if (!hasServiceEntry) {
            problems.add("Plugin '" + descriptor.name() + "' (" + location + ") has no " + SERVICE_ENTRY
                    + " entry; add that file naming your GenpipePlugin implementation class");
            return;
        }
        PluginClassLoader loader = new PluginClassLoader(descriptor.name(), entry, urls(jars), hostLoader);
        loaders.add(loader);
        List<ServiceConfigurationError> errors = new ArrayList<>();
        List<ServiceLoader.Provider<GenpipePlugin>> providers = providers(loader, errors);
        if (!errors.isEmpty()) {
            problems.add("Plugin '" + descriptor.name() + "' (" + location + "): " + SERVICE_ENTRY
                    + " names a class that cannot be loaded as a GenpipePlugin: " + oneLine(errors.get(0)));
            return;
        }
        List<GenpipePlugin> instances = new ArrayList<>();
        for (ServiceLoader.Provider<GenpipePlugin> provider : providers) {
            GenpipePlugin instance =
                    instantiate(descriptor, location, provider.type().getName(), provider, problems);
            if (instance == null) {
                return;
            }
            instances.add(instance);
        }
        finish(descriptor, location, loader, instances, plugins, problems);
    }

    /** The providers {@code loader} lists, without instantiating them; broken entries go to {@code errors}. */
    private static List<ServiceLoader.Provider<GenpipePlugin>> providers(
            ClassLoader loader, List<ServiceConfigurationError> errors) {
        List<ServiceLoader.Provider<GenpipePlugin>> providers = new ArrayList<>();
        Iterator<ServiceLoader.Provider<GenpipePlugin>> it =
                ServiceLoader.load(GenpipePlugin.class, loader).stream().iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    return providers;
                }
                providers.add(it.next());
            } catch (ServiceConfigurationError e) {
                errors.add(e);
            }
        }
    }

    private GenpipePlugin instantiate(
            PluginDescriptor descriptor,
            String location,
            String className,
            Supplier<GenpipePlugin> create,
            List<String> problems) {
        try {
            return create.get();
        } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
            Throwable cause = e instanceof ServiceConfigurationError && e.getCause() != null ? e.getCause() : e;
            problems.add("Plugin '" + descriptor.name() + "' (" + location + "): creating " + className + " failed: "
                    + cause.getClass().getName() + ": " + cause.getMessage()
                    + "; a GenpipePlugin needs a public no-argument constructor that does no work");
            return null;
        }
    }

    private void finish(
            PluginDescriptor descriptor,
            String location,
            ClassLoader loader,
            List<GenpipePlugin> instances,
            List<LoadedPlugin> plugins,
            List<String> problems) {
        List<ComponentFactory<?>> factories = new ArrayList<>();
        String prefix = "Plugin '" + descriptor.name() + "' (" + location + "): ";
        for (GenpipePlugin instance : instances) {
            boolean ok = collect(prefix, "generators()", instance::generators, factories, problems)
                    && collect(prefix, "encoders()", instance::encoders, factories, problems)
                    && collect(prefix, "samplers()", instance::samplers, factories, problems)
                    && collect(prefix, "scorers()", instance::scorers, factories, problems);
            if (!ok) {
                return;
            }
        }
        if (factories.isEmpty()) {
            problems.add("Plugin '" + descriptor.name() + "' (" + location + ") provides no components; its"
                    + " GenpipePlugin lists no generators, encoders, samplers or scorers");
            return;
        }
        plugins.add(new LoadedPlugin(descriptor, location, loader, factories));
    }

    private static boolean collect(
            String prefix,
            String method,
            Supplier<List<? extends ComponentFactory<?>>> list,
            List<ComponentFactory<?>> into,
            List<String> problems) {
        List<? extends ComponentFactory<?>> found;
        try {
            found = list.get();
        } catch (RuntimeException | LinkageError e) {
            problems.add(prefix + method + " failed: " + e.getClass().getName() + ": " + e.getMessage()
                    + "; listing factories must not fail (load models in create(), not before)");
            return false;
        }
        if (found == null) {
            problems.add(prefix + method + " returned null; return an empty list instead");
            return false;
        }
        String role = method.substring(0, method.length() - 3);
        for (ComponentFactory<?> factory : found) {
            String name;
            try {
                name = factory == null ? null : factory.name();
            } catch (RuntimeException | LinkageError e) {
                problems.add(prefix + "name() of a " + role + " factory failed: " + e);
                return false;
            }
            if (name == null || !COMPONENT_NAME.matcher(name).matches()) {
                problems.add(prefix + "a " + role + " factory has the invalid name "
                        + (name == null ? "null" : "'" + name + "'")
                        + "; names are lower-case letters, digits and dashes, e.g. my-" + role);
                return false;
            }
            into.add(factory);
        }
        return true;
    }

    private static void checkUnique(List<LoadedPlugin> plugins, List<String> problems) {
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
                    problems.add(
                            "Component name '" + factory.name() + "' is provided twice: by plugin '" + first.name()
                                    + "' (" + first.location() + ", "
                                    + other.role().label() + ") and by plugin '"
                                    + plugin.name() + "' (" + plugin.location() + ", "
                                    + factory.role().label()
                                    + "); component names must be unique across plugins: remove one plugin or rename the component");
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

    private PluginDescriptor noDescriptor(String location, List<String> problems) {
        problems.add("Plugin " + location + " has no " + DESCRIPTOR + "; add one with name=, version= and apiVersion="
                + hostApi + " (the genpipe-api version it is built against)");
        return null;
    }

    private PluginDescriptor descriptor(Properties props, String location, List<String> problems) {
        for (String key : List.of("name", "version", "apiVersion")) {
            String value = props.getProperty(key);
            if (value == null || value.isBlank()) {
                problems.add("Plugin " + location + ": " + DESCRIPTOR + " lacks " + key
                        + "; it needs name=, version= and apiVersion=");
                return null;
            }
        }
        String name = props.getProperty("name").trim();
        String version = props.getProperty("version").trim();
        String apiText = props.getProperty("apiVersion").trim();
        ApiVersion built;
        try {
            built = ApiVersion.parse(apiText);
        } catch (IllegalArgumentException e) {
            problems.add("Plugin '" + name + "' (" + location + "): apiVersion '" + apiText + "' in " + DESCRIPTOR
                    + " is not major.minor (e.g. " + hostApi + ")");
            return null;
        }
        if (!hostApi.canHost(built)) {
            String fix = built.major() != hostApi.major()
                    ? "rebuild the plugin against genpipe-api " + hostApi
                    : "upgrade genpipe to a release providing api " + built + " or later, or rebuild the plugin against"
                            + " genpipe-api " + hostApi;
            problems.add("Plugin '" + name + "' " + version + " (" + location + ") was built for genpipe-api " + built
                    + ", but this genpipe provides genpipe-api " + hostApi + "; " + fix);
            return null;
        }
        return new PluginDescriptor(name, version, built);
    }

    private static String locationOf(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return "class path (" + type.getName() + ")";
        }
        try {
            return Path.of(source.getLocation().toURI()).toString();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return source.getLocation().toString();
        }
    }

    private static Properties readClassPathDescriptor(String location, String resource) {
        Path path = Path.of(location);
        try {
            if (Files.isDirectory(path)) {
                Path file = path.resolve(resource);
                if (!Files.isRegularFile(file)) {
                    return null;
                }
                try (InputStream in = Files.newInputStream(file)) {
                    Properties props = new Properties();
                    props.load(in);
                    return props;
                }
            }
            try (JarFile jar = new JarFile(path.toFile())) {
                ZipEntry entry = jar.getEntry(resource);
                if (entry == null) {
                    return null;
                }
                try (InputStream in = jar.getInputStream(entry)) {
                    Properties props = new Properties();
                    props.load(in);
                    return props;
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
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

    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        return message.replaceAll("\\s+", " ").trim();
    }
}
