package io.genpipe.runtime.plugin;

import io.genpipe.api.ApiVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * A plugin's descriptor ({@value PluginManager#DESCRIPTOR}: name, version, apiVersion): read from its jar or
 * class-path entry and checked against the api version this host provides.
 */
final class PluginDescriptors {

    private final ApiVersion hostApi;

    PluginDescriptors(ApiVersion hostApi) {
        this.hostApi = hostApi;
    }

    /** The descriptor {@code resource} of a class-path entry (a jar or a folder), or null when it has none. */
    static Properties readClassPath(String location, String resource) {
        Path path = Path.of(location);
        try {
            if (Files.isDirectory(path)) {
                Path file = path.resolve(resource);
                if (!Files.isRegularFile(file)) {
                    return null;
                }
                try (InputStream in = Files.newInputStream(file)) {
                    return load(in);
                }
            }
            try (JarFile jar = new JarFile(path.toFile())) {
                ZipEntry entry = jar.getEntry(resource);
                if (entry == null) {
                    return null;
                }
                try (InputStream in = jar.getInputStream(entry)) {
                    return load(in);
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The descriptor in {@code jar}, or null when it has none. */
    static Properties read(JarFile jar) throws IOException {
        ZipEntry entry = jar.getEntry(PluginManager.DESCRIPTOR);
        if (entry == null) {
            return null;
        }
        try (InputStream in = jar.getInputStream(entry)) {
            return load(in);
        }
    }

    private static Properties load(InputStream in) throws IOException {
        Properties props = new Properties();
        props.load(in);
        return props;
    }

    /** The problem of a plugin without a descriptor. */
    PluginDescriptor missing(String location, List<String> problems) {
        problems.add("Plugin " + location + " has no " + PluginManager.DESCRIPTOR
                + "; add one with name=, version= and apiVersion=" + hostApi
                + " (the genpipe-api version it is built against)");
        return null;
    }

    /** The descriptor {@code props} says, or null (and a problem) when it lacks a key or needs another api. */
    PluginDescriptor check(Properties props, String location, List<String> problems) {
        for (String key : List.of("name", "version", "apiVersion")) {
            String value = props.getProperty(key);
            if (value == null || value.isBlank()) {
                problems.add("Plugin " + location + ": " + PluginManager.DESCRIPTOR + " lacks " + key
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
            problems.add("Plugin '" + name + "' (" + location + "): apiVersion '" + apiText + "' in "
                    + PluginManager.DESCRIPTOR + " is not major.minor (e.g. " + hostApi + ")");
            return null;
        }
        if (!hostApi.canHost(built)) {
            String fix = built.major() != hostApi.major()
                    ? "rebuild the plugin against genpipe-api " + hostApi
                    : "upgrade genpipe to a release providing api " + built
                            + " or later, or rebuild the plugin against genpipe-api " + hostApi;
            problems.add("Plugin '" + name + "' " + version + " (" + location + ") was built for genpipe-api " + built
                    + ", but this genpipe provides genpipe-api " + hostApi + "; " + fix);
            return null;
        }
        return new PluginDescriptor(name, version, built);
    }
}
