package io.genpipe.runtime.component;

import io.genpipe.api.spi.ComponentFactory;
import io.genpipe.runtime.plugin.LoadedPlugin;
import java.util.Objects;

/**
 * A factory and the plugin it came from: what the component registry binds by name.
 *
 * @param factory the plugin's factory
 * @param plugin the plugin that provided it
 */
public record RegisteredFactory(ComponentFactory<?> factory, LoadedPlugin plugin) {

    public RegisteredFactory {
        Objects.requireNonNull(factory, "factory is null");
        Objects.requireNonNull(plugin, "plugin is null");
    }

    public String name() {
        return factory.name();
    }
}
