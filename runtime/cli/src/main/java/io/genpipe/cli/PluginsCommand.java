package io.genpipe.cli;

import io.genpipe.api.spi.ComponentFactory;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.runtime.plugin.LoadedPlugin;
import io.genpipe.runtime.plugin.PluginManager;
import io.genpipe.runtime.plugin.PluginSet;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code genpipe plugins}: every plugin and component, with parameters. */
@Command(name = "plugins", mixinStandardHelpOptions = true,
        description = {"Lists the plugins found (class path and plugins directory) and their components.",
                "Exits 1, listing every problem, when a plugin is broken."})
final class PluginsCommand implements Callable<Integer> {

    @Mixin
    PluginOptions plugins;

    @Option(names = {"-v", "--verbose"}, description = "Also list each component's parameters.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (PluginSet set = PluginManager.forHost().scan(true, plugins.resolve())) {
            for (LoadedPlugin p : set.plugins()) {
                out.printf("%s %s (api %s)  %s%n", p.name(), p.descriptor().version(), p.descriptor().apiVersion(),
                        p.location());
                for (ComponentFactory<?> f : p.factories()) {
                    out.printf("  %-10s %-24s %s%n", f.role().label(), f.name(), f.description());
                    if (verbose) {
                        for (ParameterSpec s : f.parameters()) {
                            out.printf("      %-16s %-16s %s%s%n", s.name(), s.type().label(),
                                    s.required() ? "required" : "default " + s.defaultValue(),
                                    s.description().isEmpty() ? "" : "  " + s.description());
                        }
                    }
                }
            }
            out.flush();
            if (!set.problems().isEmpty()) {
                err.printf("genpipe: %d plugin problem(s):%n", set.problems().size());
                set.problems().forEach(p -> err.println("  - " + p));
                err.flush();
                return Main.FAILED;
            }
            return 0;
        }
    }
}
