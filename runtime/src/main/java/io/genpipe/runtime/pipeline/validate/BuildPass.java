package io.genpipe.runtime.pipeline.validate;

import io.genpipe.api.Component;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.Role;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.runtime.component.ParameterBinder;
import io.genpipe.runtime.component.ParameterException;
import io.genpipe.runtime.component.RegisteredFactory;
import io.genpipe.runtime.pipeline.PipelineDefinition;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.ComponentStep;
import io.genpipe.runtime.step.OutputPaths;
import io.genpipe.runtime.step.StepKind;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Binds each step's {@code with:} to its parameters and builds the step: a built-in step from its definition (and
 * no two sinks writing one file), a component through the host. Parameter problems are reported at their lines.
 */
final class BuildPass {

    private static final ParameterSpec ROWS = ParameterSpec.optional(
            "rows",
            ParameterType.INTEGER,
            null,
            "for a sampler with no input: how many draws to make (at most limits.rows, default 10,000,000)");
    private static final ParameterSpec BATCH_SIZE = ParameterSpec.optional(
                    "batchSize",
                    ParameterType.INTEGER,
                    null,
                    "rows per call of this component (micro-batching), whatever the pipeline's batchSize")
            .range(1, 1_000_000);

    private BuildPass() {}

    static void apply(StepTable table) {
        Map<String, String> written = new HashMap<>(); // output file -> the step writing it
        for (StepTable.Row row : table.rows()) {
            if (!row.resolved()) {
                continue;
            }
            try {
                if (row.builtin != null) {
                    builtin(table, row, written);
                } else {
                    component(table, row);
                }
            } catch (ParameterException e) {
                for (int i = 0; i < e.problems().size(); i++) {
                    String parameter = e.parameters().get(i);
                    if (row.definition.with().get(parameter) instanceof String s && s.contains("${")) {
                        continue; // the reader already reported the variable it could not resolve
                    }
                    table.problem(row, row.at(parameter), e.problems().get(i));
                }
            } catch (GenpipeException e) {
                table.problem(row, row.definition.location(), e.getMessage());
            }
        }
    }

    private static void builtin(StepTable table, StepTable.Row row, Map<String, String> written) {
        BuiltinStep builtin = row.builtin;
        String who = "built-in step '" + builtin.name() + "'";
        Parameters p = ParameterBinder.bind(builtin.parameters(), who, row.definition.with(), folder(table, row));
        OutputPaths.check(p, builtin.outputPaths(), who);
        for (String param : builtin.outputPaths()) {
            Optional<String> name = p.findString(param);
            if (name.isEmpty()) {
                continue;
            }
            String key = Path.of(name.get().replace('\\', '/')).normalize().toString();
            String first = written.putIfAbsent(key, row.id());
            if (first != null) {
                table.problem(
                        row,
                        row.at(param),
                        param + ": " + name.get() + " is also written by step '" + first
                                + "'; two sinks cannot write one file");
            }
        }
        row.step = builtin.create().apply(p, folder(table, row));
        row.kind = builtin.category().label();
        row.execution = builtin.execution();
        row.aggregation = builtin.aggregation();
    }

    /**
     * The folder a step's relative paths resolve against: its own file's (a step a pipeline step brought in from
     * another file keeps that file's), else the pipeline's.
     */
    private static Path folder(StepTable table, StepTable.Row row) {
        Path file = row.definition.location().file();
        Path parent = file == null ? null : file.toAbsolutePath().getParent();
        return parent != null && !file.equals(table.pipeline.file().toAbsolutePath())
                ? parent
                : table.pipeline.folder();
    }

    private static void component(StepTable table, StepTable.Row row) {
        RegisteredFactory factory = row.component;
        PipelineDefinition definition = table.pipeline;
        if (!folder(table, row).equals(definition.folder())) {
            definition = definition.withFile(row.definition.location().file());
        }
        Role role = factory.factory().role();
        String who = role.label() + " '" + factory.name() + "'";
        Map<String, Object> with = new LinkedHashMap<>(row.definition.with());
        long rows = 0;
        if (role == Role.SAMPLER && with.containsKey("rows")) {
            Parameters r = ParameterBinder.bind(
                    List.of(ROWS.range(1, Double.POSITIVE_INFINITY)),
                    who,
                    Map.of("rows", with.remove("rows")),
                    definition.folder());
            rows = r.getLong("rows");
            if (rows > definition.maxRows()) {
                throw new ParameterException(
                        List.of("parameter 'rows' of " + who + " is " + rows + ", above this pipeline's limit of "
                                + definition.maxRows()
                                + " rows; raise it with limits: {rows: N} at the top of the file"),
                        List.of("rows"));
            }
        }
        int batchSize = 0;
        if (with.containsKey("batchSize")) {
            Parameters b = ParameterBinder.bind(
                    List.of(BATCH_SIZE), who, Map.of("batchSize", with.remove("batchSize")), definition.folder());
            batchSize = b.getInt("batchSize");
        }
        Component component = table.host.create(role, factory.name(), with, definition);
        row.step = new ComponentStep(
                row.id(),
                role,
                component,
                rows,
                batchSize,
                who + " (plugin '" + factory.plugin().name() + "' "
                        + factory.plugin().descriptor().version() + ")");
        row.kind = role.label();
        row.execution = row.definition.inputs().isEmpty() ? StepKind.SOURCE : StepKind.ROW_WISE;
    }
}
