package io.genpipe.testkit;

import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.PluginContext;
import io.genpipe.runtime.onnx.ModelSource;
import io.genpipe.runtime.onnx.OnnxRuntime;
import io.genpipe.runtime.onnx.SessionRegistry;
import io.genpipe.runtime.onnx.SessionSettings;
import java.nio.file.Path;

/**
 * A {@link PluginContext} for unit tests that call a factory directly: models load into real ONNX
 * Runtime sessions (CPU, default settings) from the given class loader's resources or from files,
 * and are closed with the context. For tests of the plugin as deployed, use
 * {@link PluginUnderTest}.
 *
 * <pre>{@code
 * try (TestPluginContext context = TestPluginContext.forPlugin("example", ExamplePlugin.class)) {
 *     Scorer s = factory.create(TestParameters.defaults(factory), context);
 *     ...
 *     assertEquals(0, context.liveNativeValues());
 * }
 * }</pre>
 */
public final class TestPluginContext implements PluginContext, AutoCloseable {

    private final String pluginName;
    private final ClassLoader resources;
    private final long seed;
    private final OnnxRuntime onnx;
    private final SessionRegistry sessions;

    private TestPluginContext(String pluginName, ClassLoader resources, long seed) {
        this.pluginName = pluginName;
        this.resources = resources;
        this.seed = seed;
        this.onnx = new OnnxRuntime();
        this.sessions = new SessionRegistry(onnx);
    }

    /** A context for plugin {@code pluginName} whose model resources come from {@code pluginClass}'s loader; seed 1. */
    public static TestPluginContext forPlugin(String pluginName, Class<?> pluginClass) {
        return new TestPluginContext(pluginName, pluginClass.getClassLoader(), 1);
    }

    /** A context whose run seed is {@code seed}. */
    public static TestPluginContext forPlugin(String pluginName, Class<?> pluginClass, long seed) {
        return new TestPluginContext(pluginName, pluginClass.getClassLoader(), seed);
    }

    @Override
    public String pluginName() {
        return pluginName;
    }

    @Override
    public Model loadModel(String resourcePath) {
        return sessions.load(ModelSource.resource(resources, resourcePath, pluginName), SessionSettings.defaults());
    }

    @Override
    public Model loadModel(Path file) {
        return sessions.load(ModelSource.file(file), SessionSettings.defaults());
    }

    @Override
    public long seed() {
        return seed;
    }

    @Override
    public System.Logger logger() {
        return System.getLogger("genpipe.plugin." + pluginName);
    }

    /** Native values (model inputs and outputs) currently open: 0 once every result is closed. */
    public long liveNativeValues() {
        return onnx.liveNativeValues();
    }

    /** Closes every model loaded through this context. */
    @Override
    public void close() {
        sessions.close();
    }
}
