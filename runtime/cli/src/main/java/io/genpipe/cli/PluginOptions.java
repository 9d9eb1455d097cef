package io.genpipe.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where third-party plugins are: {@code --plugins-dir}, else {@code $GENPIPE_PLUGINS_DIR}. */
final class PluginOptions {

    @Option(
            names = "--plugins-dir",
            paramLabel = "DIR",
            description = "Folder of plugin jars (one jar, or one folder of jars, per plugin). "
                    + "Default: $GENPIPE_PLUGINS_DIR if set.")
    Path pluginsDir;

    Path resolve() {
        if (pluginsDir != null) {
            return pluginsDir;
        }
        String env = System.getenv("GENPIPE_PLUGINS_DIR");
        return env == null || env.isBlank() ? null : Path.of(env);
    }
}
