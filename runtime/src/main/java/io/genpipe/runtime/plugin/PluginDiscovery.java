package io.genpipe.runtime.plugin;

import io.genpipe.api.spi.GenpipePlugin;
import java.io.IOException;
import java.net.URISyntaxException;
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
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Where plugins are: the host's class path (each {@code GenpipePlugin} provider, grouped by the jar or folder it
 * comes from and the descriptor it has) and a plugins directory (each {@code .jar}, or each folder of jars, one
 * plugin). Finds them without creating anything.
 */
final class PluginDiscovery {

    private PluginDiscovery() {}

    /**
     * Class-path plugins: the providers of one jar or folder with one descriptor.
     *
     * @param location the jar or folder
     * @param descriptor the descriptor resource to read: the jar's own, or the plugin class's in a merged jar
     * @param providers the {@code GenpipePlugin} providers found there
     */
    record ClassPathPlugin(String location, String descriptor, List<ServiceLoader.Provider<GenpipePlugin>> providers) {}

    /**
     * A plugins directory's entry.
     *
     * @param entry the jar or the folder
     * @param jars the jars it holds (the jar itself, for a jar)
     */
    record DirectoryPlugin(Path entry, List<Path> jars) {}

    static List<ClassPathPlugin> classPath(ClassLoader hostLoader, List<String> problems) {
        Map<String, ClassPathPlugin> byKey = new LinkedHashMap<>();
        List<ServiceConfigurationError> errors = new ArrayList<>();
        for (ServiceLoader.Provider<GenpipePlugin> provider : providers(hostLoader, errors)) {
            // a jar that merges several plugins (an application's shaded jar) names each one's descriptor
            // after its plugin class; an ordinary plugin jar has the one descriptor
            String location = locationOf(provider.type());
            String own = PluginManager.CLASS_DESCRIPTORS + provider.type().getName() + ".properties";
            boolean perClass = PluginDescriptors.readClassPath(location, own) != null;
            String key = perClass ? location + "|" + own : location;
            byKey.computeIfAbsent(
                            key,
                            k -> new ClassPathPlugin(
                                    location, perClass ? own : PluginManager.DESCRIPTOR, new ArrayList<>()))
                    .providers()
                    .add(provider);
        }
        errors.forEach(e -> problems.add("A class-path plugin is broken: " + oneLine(e)));
        return new ArrayList<>(byKey.values());
    }

    static List<DirectoryPlugin> directory(Path dir, List<String> problems) {
        if (!Files.isDirectory(dir)) {
            problems.add("Plugins directory " + dir + (Files.exists(dir) ? " is not a directory" : " does not exist"));
            return List.of();
        }
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(entries::add);
        } catch (IOException e) {
            problems.add("Plugins directory " + dir + " cannot be listed: " + e.getMessage());
            return List.of();
        }
        entries.sort(null);
        List<DirectoryPlugin> found = new ArrayList<>();
        for (Path entry : entries) {
            String fileName = entry.getFileName().toString();
            if (fileName.startsWith(".")) {
                continue;
            }
            if (Files.isDirectory(entry)) {
                found.add(new DirectoryPlugin(entry, jarsIn(entry)));
            } else if (fileName.toLowerCase(Locale.ROOT).endsWith(".jar")) {
                found.add(new DirectoryPlugin(entry, List.of(entry)));
            }
        }
        return found;
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

    /** The providers {@code loader} lists, without instantiating them; broken entries go to {@code errors}. */
    static List<ServiceLoader.Provider<GenpipePlugin>> providers(
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

    static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        return message.replaceAll("\\s+", " ").trim();
    }
}
