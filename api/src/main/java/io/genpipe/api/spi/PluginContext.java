package io.genpipe.api.spi;

import io.genpipe.api.RandomSource;
import java.nio.file.Path;

/**
 * What the host gives a factory when it builds a component. Models loaded through it are owned
 * and closed by the runtime; the same bytes under the same session options are loaded once.
 */
public interface PluginContext {

    /** The name of the plugin this context belongs to. */
    String pluginName();

    /**
     * Loads a model shipped inside the plugin jar, e.g. {@code "io/genpipe/vae/mlp-vae.onnx"}.
     *
     * @throws io.genpipe.api.GenpipeException naming the plugin and the resource when it is missing
     *     or not a valid ONNX model
     */
    Model loadModel(String resourcePath);

    /**
     * Loads a user-supplied model file (bring your own model).
     *
     * @throws io.genpipe.api.GenpipeException naming the file when it is missing or not a valid ONNX model
     */
    Model loadModel(Path file);

    /** The run's seed, from the pipeline or the embedding application. */
    long seed();

    /** A random source derived from the run's seed and {@code purpose} only. */
    default RandomSource random(String purpose) {
        return new RandomSource(seed()).fork(pluginName() + "/" + purpose);
    }

    /** A logger named after the plugin. */
    System.Logger logger();
}
