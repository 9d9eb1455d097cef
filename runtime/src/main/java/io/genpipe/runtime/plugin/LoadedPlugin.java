package io.genpipe.runtime.plugin;

import io.genpipe.api.spi.ComponentFactory;
import java.util.List;

/**
 * A plugin that passed every check.
 *
 * @param descriptor name, version, api version
 * @param location the jar, folder or class-path entry it came from
 * @param classLoader the loader its classes and resources come from
 * @param factories every factory it provides, in the order it lists them
 */
public record LoadedPlugin(
        PluginDescriptor descriptor, String location, ClassLoader classLoader, List<ComponentFactory<?>> factories) {

    public LoadedPlugin {
        factories = List.copyOf(factories);
    }

    public String name() {
        return descriptor.name();
    }

    /** {@code 'vae' 0.1.0 (/path/to/vae.jar)} for messages. */
    public String describe() {
        return "'" + descriptor.name() + "' " + descriptor.version() + " (" + location + ")";
    }
}
