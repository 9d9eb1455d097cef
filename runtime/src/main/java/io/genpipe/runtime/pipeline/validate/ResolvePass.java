package io.genpipe.runtime.pipeline.validate;

import io.genpipe.api.Role;
import io.genpipe.runtime.component.DidYouMean;
import io.genpipe.runtime.component.RegisteredFactory;
import io.genpipe.runtime.step.BuiltinStep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
                                + searched(table));
            }
        }
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
