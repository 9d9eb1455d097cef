package io.genpipe.runtime.component;

import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.PluginContext;
import io.genpipe.runtime.onnx.ModelSource;
import io.genpipe.runtime.onnx.SessionRegistry;
import io.genpipe.runtime.onnx.SessionSettings;
import io.genpipe.runtime.plugin.LoadedPlugin;
import java.nio.file.Path;

/** The context one plugin's factories build with: models go to the runtime's session registry. */
final class RuntimePluginContext implements PluginContext {

    private final LoadedPlugin plugin;
    private final SessionRegistry sessions;
    private final SessionSettings settings;
    private final long seed;

    RuntimePluginContext(LoadedPlugin plugin, SessionRegistry sessions, SessionSettings settings, long seed) {
        this.plugin = plugin;
        this.sessions = sessions;
        this.settings = settings;
        this.seed = seed;
    }

    @Override
    public String pluginName() {
        return plugin.name();
    }

    @Override
    public Model loadModel(String resourcePath) {
        return sessions.load(ModelSource.resource(plugin.classLoader(), resourcePath, plugin.name()), settings);
    }

    @Override
    public Model loadModel(Path file) {
        return sessions.load(ModelSource.file(file), settings);
    }

    @Override
    public long seed() {
        return seed;
    }

    @Override
    public System.Logger logger() {
        return System.getLogger("genpipe.plugin." + plugin.name());
    }
}
