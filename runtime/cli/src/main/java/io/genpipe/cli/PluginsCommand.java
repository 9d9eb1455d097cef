package io.genpipe.cli;

import io.genpipe.api.Component;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.ComponentFactory;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.component.DidYouMean;
import io.genpipe.runtime.component.ParameterBinder;
import io.genpipe.runtime.plugin.LoadedPlugin;
import io.genpipe.runtime.plugin.PluginManager;
import io.genpipe.runtime.plugin.PluginSet;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.BuiltinSteps;
import io.genpipe.runtime.step.SideValue;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code genpipe plugins}: the catalog — every built-in step, plugin and component, with parameters and ports. */
@Command(
        header = "Lists the built-in steps and the plugins' components; with a NAME, one in full.",
        name = "plugins",
        mixinStandardHelpOptions = true,
        description = {
            "Lists the built-in steps and the plugins found (class path and plugins directory) with "
                    + "their components; with a NAME, shows that step or component in full. Exits 1, listing "
                    + "every problem, when a plugin is broken."
        })
final class PluginsCommand implements Callable<Integer> {

    @Mixin
    PluginOptions plugins;

    @Option(
            names = {"-v", "--verbose"},
            description = "Also list parameters (type, default, allowed values) and ports.")
    boolean verbose;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "a built-in step or component to show")
    String name;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, BuiltinStep> steps = BuiltinSteps.all();
        if (name != null) {
            return show(out, err, steps);
        }
        out.println("built-in steps");
        for (BuiltinStep s : steps.values()) {
            step(out, s, verbose);
        }
        Genpipe genpipe = null;
        try (PluginSet set = PluginManager.forHost().scan(true, plugins.resolve())) {
            if (verbose && set.problems().isEmpty()) {
                genpipe = Genpipe.builder().pluginsDir(plugins.resolve()).build();
            }
            for (LoadedPlugin p : set.plugins()) {
                out.printf(
                        "%s %s (api %s)  %s%n",
                        p.name(), p.descriptor().version(), p.descriptor().apiVersion(), p.location());
                for (ComponentFactory<?> f : p.factories()) {
                    component(out, f, verbose, genpipe);
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
        } finally {
            if (genpipe != null) {
                genpipe.close();
            }
        }
    }

    private int show(PrintWriter out, PrintWriter err, Map<String, BuiltinStep> steps) {
        BuiltinStep step = steps.get(name);
        if (step != null) {
            step(out, step, true);
            out.flush();
            return 0;
        }
        try (Genpipe genpipe = Genpipe.builder().pluginsDir(plugins.resolve()).build()) {
            var found = genpipe.components().find(name);
            if (found.isPresent()) {
                out.println(found.get().plugin().describe());
                component(out, found.get().factory(), true, genpipe);
                out.flush();
                return 0;
            }
            List<String> known = new ArrayList<>(steps.keySet());
            genpipe.components().all().forEach(f -> known.add(f.name()));
            err.println("genpipe: no built-in step or component '" + name + "'" + DidYouMean.hint(name, known)
                    + "; genpipe plugins lists them all");
            err.flush();
            return Main.INVALID_INPUT;
        } catch (GenpipeException e) {
            err.println("genpipe: " + e.getMessage());
            err.flush();
            return Main.FAILED;
        }
    }

    private static void step(PrintWriter out, BuiltinStep s, boolean verbose) {
        out.printf("  %-10s %-24s %s%n", s.category().label(), s.name(), s.description());
        if (!verbose) {
            return;
        }
        out.printf(
                "      %-16s %s%n",
                "executes",
                s.execution().label()
                        + (s.aggregation() != null ? " (" + s.aggregation().label() + ")" : "")
                        + (s.computes() != null ? ": " + s.computes() : ""));
        out.printf(
                "      %-16s %s%n",
                "inputs",
                s.minInputs() == s.maxInputs()
                        ? Integer.toString(s.minInputs())
                        : s.minInputs() + " to " + s.maxInputs());
        parameters(out, s.parameters());
        for (SideValue v : s.publishes()) {
            out.printf(
                    "      %-16s %s (%s): %s%n", "publishes", v.name(), v.type().label(), v.description());
        }
        for (SideValue.Input in : s.reads()) {
            out.printf(
                    "      %-16s %s (%s) of the step named in %s%n",
                    "reads", in.value(), in.type().label(), in.parameter());
        }
    }

    private static void component(PrintWriter out, ComponentFactory<?> f, boolean verbose, Genpipe genpipe) {
        out.printf("  %-10s %-24s %s%n", f.role().label(), f.name(), f.description());
        if (!verbose) {
            return;
        }
        parameters(out, f.parameters());
        if (genpipe == null) {
            return;
        }
        if (f.parameters().stream().anyMatch(ParameterSpec::required)) {
            out.printf("      %-16s %s%n", "ports", "depend on its required parameters");
            return;
        }
        try {
            Component c = genpipe.create(f.role(), f.name(), Map.of());
            out.printf("      %-16s %s%n", "inputs", ports(c.inputs()));
            out.printf("      %-16s %s%n", "outputs", ports(c.outputs()));
        } catch (GenpipeException e) {
            out.printf("      %-16s cannot be built with its defaults: %s%n", "ports", e.getMessage());
        }
    }

    private static String ports(List<PortSpec> ports) {
        return ports.isEmpty() ? "none" : ports.stream().map(PortSpec::toString).collect(Collectors.joining(", "));
    }

    private static void parameters(PrintWriter out, List<ParameterSpec> specs) {
        for (ParameterSpec s : specs) {
            String value =
                    s.required() ? "required" : s.defaultValue() == null ? "optional" : "default " + s.defaultValue();
            String allowed = s.type() == ParameterType.CHOICE
                    ? "  (one of " + String.join(", ", s.choices()) + ")"
                    : s.min() != null || s.max() != null ? "  (" + ParameterBinder.range(s) + ")" : "";
            out.printf(
                    "      %-16s %-16s %s%s%s%n",
                    s.name(),
                    s.type().label(),
                    value,
                    s.description().isEmpty() ? "" : "  " + s.description(),
                    allowed);
        }
    }
}
