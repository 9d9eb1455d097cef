package io.genpipe.runtime;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import io.genpipe.api.spi.ComponentFactory;
import io.genpipe.runtime.component.RegisteredFactory;
import io.genpipe.runtime.plugin.LoadedPlugin;

/**
 * Contributes one plugin's factories to the name &rarr; factory map. One module per plugin, so
 * each plugin contributes on its own and the same name bound twice fails.
 */
final class PluginModule extends AbstractModule {

    private final LoadedPlugin plugin;

    PluginModule(LoadedPlugin plugin) {
        this.plugin = plugin;
    }

    @Override
    protected void configure() {
        MapBinder<String, RegisteredFactory> byName =
                MapBinder.newMapBinder(binder(), String.class, RegisteredFactory.class);
        for (ComponentFactory<?> factory : plugin.factories()) {
            byName.addBinding(factory.name()).toInstance(new RegisteredFactory(factory, plugin));
        }
    }
}
