package io.genpipe.runtime.pipeline.validate;

import io.genpipe.api.Role;
import io.genpipe.runtime.component.DidYouMean;
import io.genpipe.runtime.component.RegisteredFactory;
import io.genpipe.runtime.plugin.LoadedPlugin;
import io.genpipe.runtime.plugin.PluginManager;
import io.genpipe.runtime.plugin.PluginSet;
import io.genpipe.runtime.step.BuiltinStep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/** Finds what each step's {@code use:} names: a built-in step or a component (with a did-you-mean when neither). */
final class ResolvePass {

    private ResolvePass() {}

    static void apply(StepTable table) {
        Map<String, BuiltinStep> builtins = table.host.steps();
        for (StepTable.Row row : table.rows()) {
            String use = row.definition.use();
            BuiltinStep builtin = builtins.get(use);
            Optional<RegisteredFactory> component = table.host.components().find(use);
            if (builtin != null) {
                row.builtin = builtin;
                row.minInputs = builtin.minInputs();
                row.maxInputs = builtin.maxInputs();
                row.publishes = builtin.publishes();
            } else if (component.isPresent()) {
                row.component = component.get();
                row.minInputs = component.get().factory().role() == Role.SAMPLER ? 0 : 1;
                row.maxInputs = 1;
            } else {
                List<String> known = new ArrayList<>(builtins.keySet());
                table.host.components().all().forEach(f -> known.add(f.name()));
                table.problem(
                        row,
                        row.definition.location(),
                        "unknown component or step '" + use + "'" + DidYouMean.hint(use, known)
                                + " (built-in steps: " + String.join(", ", builtins.keySet()) + "; components: "
                                + String.join(", ", known.subList(builtins.size(), known.size()))
                                + "); a component of a plugin that is not installed needs its plugins folder"
                                + " (--plugins-dir DIR, $GENPIPE_PLUGINS_DIR, or plugins: [DIR] in the file)"
                                + searched(table)
                                + elsewhere(use, table));
            }
        }
    }

    /**
     * Where a component of that name is, when it is in a plugins folder genpipe did not search: {@code plugins/} beside
     * the file or above it, or a plugin build's output ({@code plugins/NAME/target/plugins}) in a folder above it.
     */
    private static String elsewhere(String use, StepTable table) {
        List<Path> searched = table.host.pluginsDirs();
        Set<Path> candidates = new LinkedHashSet<>();
        Path at = table.pipeline.folder();
        for (int up = 0; at != null && up < 4; up++, at = at.getParent()) {
            Path plugins = at.resolve("plugins");
            if (!Files.isDirectory(plugins)) {
                continue;
            }
            candidates.add(plugins);
            try (Stream<Path> builds = Files.list(plugins)) {
                builds.map(b -> b.resolve("target").resolve("plugins"))
                        .filter(Files::isDirectory)
                        .sorted()
                        .forEach(candidates::add);
            } catch (IOException e) {
                // not listable: not a candidate
            }
        }
        for (Path dir : candidates.stream().limit(12).toList()) {
            if (searched.contains(dir.toAbsolutePath().normalize())) {
                continue;
            }
            try (PluginSet set = PluginManager.forHost().scan(false, List.of(dir))) {
                for (LoadedPlugin plugin : set.plugins()) {
                    if (plugin.factories().stream().anyMatch(f -> f.name().equals(use))) {
                        return "; '" + use + "' is a component of plugin " + plugin.describe()
                                + ": add plugins: [" + table.pipeline.folder().relativize(dir.toAbsolutePath())
                                + "] to the file, or pass --plugins-dir " + dir;
                    }
                }
            } catch (RuntimeException e) {
                // a broken folder is not the answer; genpipe doctor --plugins-dir says what is wrong with it
            }
        }
        return "";
    }

    /** Which plugins folders were searched, and the file's own that were not (missing, or not passed to the host). */
    private static String searched(StepTable table) {
        List<Path> dirs = table.host.pluginsDirs();
        StringBuilder out = new StringBuilder(
                dirs.isEmpty()
                        ? "; no plugins folder was searched"
                        : "; plugins folders searched: "
                                + String.join(
                                        ", ", dirs.stream().map(Path::toString).toList()));
        for (Path own : table.pipeline.plugins()) {
            if (!Files.isDirectory(own)) {
                out.append("; this file's plugins folder ").append(own).append(" does not exist");
            } else if (!dirs.contains(own)) {
                out.append("; this file's plugins folder ")
                        .append(own)
                        .append(" was not loaded (genpipe run and validate load it; an application passes it to"
                                + " Genpipe.builder().addPluginsDir)");
            }
        }
        return out.toString();
    }
}
