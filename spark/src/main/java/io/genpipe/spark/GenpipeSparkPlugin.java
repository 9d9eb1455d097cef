package io.genpipe.spark;

import java.util.Map;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * Closes each executor's genpipe runtimes (and so its ONNX Runtime sessions) when the executor shuts
 * down. Enabled with {@code spark.plugins=io.genpipe.spark.GenpipeSparkPlugin}, which {@link SparkMain} and
 * {@link SparkEngine#session} set.
 */
public final class GenpipeSparkPlugin implements SparkPlugin {

    @Override
    public DriverPlugin driverPlugin() {
        return null;
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new ExecutorPlugin() {
            @Override
            public void init(PluginContext ctx, Map<String, String> extraConf) {}

            @Override
            public void shutdown() {
                ExecutorRuntime.closeAll();
            }
        };
    }
}
