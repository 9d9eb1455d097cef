package io.genpipe.runtime.pipeline;

import io.genpipe.api.Component;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.Role;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.runtime.component.DidYouMean;
import io.genpipe.runtime.component.ParameterBinder;
import io.genpipe.runtime.component.ParameterException;
import io.genpipe.runtime.component.RegisteredFactory;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.ComponentStep;
import io.genpipe.runtime.step.OutputPaths;
import io.genpipe.runtime.step.SideValue;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks a whole pipeline before anything runs and builds it: unknown components or steps (with
 * the known ones and a did-you-mean), parameters (unknown, missing, ill-typed), dangling inputs,
 * wrong input counts, cycles, and the columns connected steps pass each other (names, dtypes,
 * shapes, from the components' ports and the models' own graphs). Every problem is reported, each
 * with file, line and step.
 */
public final class PipelineValidator {

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

    private final PipelineHost genpipe;

    public PipelineValidator(PipelineHost host) {
        this.genpipe = host;
    }

    /**
     * Checks {@code definition} and builds its steps.
     *
     * @throws PipelineException listing every problem found
     */
    public PipelinePlan validate(PipelineDefinition definition) {
        return validate(definition, List.of());
    }

    /**
     * Validates a pipeline the reader already found {@code earlier} problems in, so that all of a
     * file's problems are reported together.
     *
     * @throws PipelineException listing every problem, earlier ones included
     */
    public PipelinePlan validate(PipelineDefinition definition, List<Problem> earlier) {
        List<Problem> problems = new ArrayList<>(earlier);
        Map<String, StepDefinition> byId = new LinkedHashMap<>();
        definition.steps().forEach(s -> byId.put(s.id(), s));
        Map<String, BuiltinStep> builtins = genpipe.steps();
        Map<String, Step> built = new LinkedHashMap<>();
        Map<String, String> kinds = new HashMap<>();
        Map<String, StepKind> executions = new HashMap<>();
        Map<String, String> written = new HashMap<>(); // output file -> the step writing it
        Map<String, List<SideValue>> publishes = new HashMap<>();
        Map<String, List<String>> sideInputs = new LinkedHashMap<>();
        for (StepDefinition s : definition.steps()) {
            BuiltinStep b = builtins.get(s.use());
            publishes.put(s.id(), b != null ? b.publishes() : List.of());
        }

        for (StepDefinition s : definition.steps()) {
            int before = problems.size();
            BuiltinStep builtin = builtins.get(s.use());
            Optional<RegisteredFactory> component = genpipe.components().find(s.use());
            int min;
            int max;
            if (builtin != null) {
                min = builtin.minInputs();
                max = builtin.maxInputs();
            } else if (component.isPresent()) {
                boolean sampler = component.get().factory().role() == Role.SAMPLER;
                min = sampler ? 0 : 1;
                max = 1;
            } else {
                List<String> known = new ArrayList<>(builtins.keySet());
                genpipe.components().all().forEach(f -> known.add(f.name()));
                problems.add(new Problem(
                        s.location(),
                        s.id(),
                        "unknown component or step '" + s.use() + "'"
                                + DidYouMean.hint(s.use(), known) + " (built-in steps: "
                                + String.join(", ", builtins.keySet())
                                + "; components: " + String.join(", ", known.subList(builtins.size(), known.size()))
                                + "); a component of a plugin that is not installed needs its plugins folder (--plugins-dir DIR or"
                                + " $GENPIPE_PLUGINS_DIR)"));
                continue;
            }
            if (new HashSet<>(s.inputs()).size() < s.inputs().size()) {
                problems.add(
                        new Problem(
                                s.location(),
                                s.id(),
                                "inputs " + s.inputs() + " name a step twice; each input"
                                        + " is a different step (to read one step's rows twice, pass them through a step of their own first)"));
            }
            for (String input : s.inputs()) {
                if (!byId.containsKey(input)) {
                    problems.add(new Problem(
                            s.location(),
                            s.id(),
                            "input '" + input + "' is not a step of this pipeline"
                                    + DidYouMean.hint(input, byId.keySet()) + " (steps: "
                                    + String.join(", ", byId.keySet()) + ")"));
                }
            }
            if (s.inputs().size() < min || s.inputs().size() > max) {
                String what = builtin != null
                        ? "built-in step '" + s.use() + "'"
                        : component.get().factory().role().label() + " '" + s.use() + "'";
                problems.add(new Problem(
                        s.location(),
                        s.id(),
                        what + " takes " + arity(min, max) + ", got "
                                + s.inputs().size() + (s.inputs().isEmpty() ? "" : " " + s.inputs())));
            }
            if (builtin != null) {
                sideInputs.put(s.id(), sideInputs(s, builtin, byId, builtins, problems));
            }
            boolean connected = problems.size() == before;
            try {
                if (builtin != null) {
                    Parameters p = ParameterBinder.bind(
                            builtin.parameters(),
                            "built-in step '" + builtin.name() + "'",
                            s.with(),
                            definition.folder());
                    OutputPaths.check(p, builtin.outputPaths(), "built-in step '" + builtin.name() + "'");
                    for (String param : builtin.outputPaths()) {
                        Optional<String> name = p.findString(param);
                        if (name.isEmpty()) {
                            continue;
                        }
                        String key = Path.of(name.get().replace('\\', '/'))
                                .normalize()
                                .toString();
                        String first = written.putIfAbsent(key, s.id());
                        if (first != null) {
                            problems.add(new Problem(
                                    s.parameterLocations().getOrDefault(param, s.location()),
                                    s.id(),
                                    param + ": " + name.get() + " is also written by step '" + first + "'; two sinks"
                                            + " cannot write one file"));
                        }
                    }
                    Step step = builtin.create().apply(p, definition.folder());
                    if (connected) {
                        built.put(s.id(), step);
                        kinds.put(s.id(), builtin.kind());
                        executions.put(s.id(), builtin.execution());
                    }
                } else {
                    Step step = component(s, component.get(), definition);
                    if (connected) {
                        built.put(s.id(), step);
                        kinds.put(s.id(), component.get().factory().role().label());
                        executions.put(s.id(), s.inputs().isEmpty() ? StepKind.SOURCE : StepKind.ROW_WISE);
                    }
                }
            } catch (ParameterException e) {
                for (int i = 0; i < e.problems().size(); i++) {
                    Object value = s.with().get(e.parameters().get(i));
                    if (value instanceof String string && string.contains("${")) {
                        continue; // the reader already reported the variable it could not resolve
                    }
                    Location at =
                            s.parameterLocations().getOrDefault(e.parameters().get(i), s.location());
                    problems.add(new Problem(at, s.id(), e.problems().get(i)));
                }
            } catch (GenpipeException e) {
                problems.add(new Problem(s.location(), s.id(), e.getMessage()));
            }
        }

        List<String> order = topologicalOrder(definition, byId, sideInputs, problems);
        Map<String, List<PortSpec>> ports = new HashMap<>();
        Map<String, List<String>> consumers = new LinkedHashMap<>();
        definition.steps().forEach(s -> consumers.put(s.id(), new ArrayList<>()));
        List<PipelinePlan.Planned> planned = new ArrayList<>();
        if (order != null) {
            for (String id : order) {
                StepDefinition s = byId.get(id);
                s.inputs().stream()
                        .filter(consumers::containsKey)
                        .forEach(in -> consumers.get(in).add(id));
            }
            for (String id : order) {
                StepDefinition s = byId.get(id);
                Step step = built.get(id);
                if (step == null || !s.inputs().stream().allMatch(ports::containsKey)) {
                    continue;
                }
                List<List<PortSpec>> inputs = new ArrayList<>();
                s.inputs().forEach(in -> inputs.add(ports.get(in)));
                try {
                    List<PortSpec> out = step.outputs(inputs);
                    ports.put(id, out);
                    planned.add(new PipelinePlan.Planned(
                            s,
                            kinds.get(id),
                            step,
                            out,
                            consumers.get(id),
                            executions.get(id),
                            publishes.get(id),
                            sideInputs.getOrDefault(id, List.of())));
                } catch (GenpipeException e) {
                    String message = e.getMessage();
                    if (s.inputs().size() == 1) {
                        message = message.replace(
                                        "its input 'input'",
                                        "its input '" + s.inputs().get(0) + "'")
                                .replace(
                                        "(from step 'input')",
                                        "(from step '" + s.inputs().get(0) + "')");
                    }
                    problems.add(new Problem(s.location(), id, message));
                }
            }
        }
        if (!problems.isEmpty()) {
            problems.sort(Comparator.comparingInt((Problem p) -> p.location().line())
                    .thenComparingInt(p -> p.location().column()));
            throw new PipelineException(problems);
        }
        return new PipelinePlan(definition, planned);
    }

    private Step component(StepDefinition s, RegisteredFactory factory, PipelineDefinition definition) {
        Role role = factory.factory().role();
        Map<String, Object> with = new LinkedHashMap<>(s.with());
        long rows = 0;
        if (role == Role.SAMPLER && with.containsKey("rows")) {
            String who = factory.factory().role().label() + " '" + factory.name() + "'";
            Parameters r = ParameterBinder.bind(
                    List.of(ROWS.range(1, Double.POSITIVE_INFINITY)),
                    who,
                    Map.of("rows", with.remove("rows")),
                    definition.folder());
            rows = r.getLong("rows");
            if (rows > definition.maxRows()) {
                throw new ParameterException(
                        List.of("parameter 'rows' of " + who + " is " + rows + ", above this pipeline's" + " limit of "
                                + definition.maxRows()
                                + " rows; raise it with limits: {rows: N} at the top of the file"),
                        List.of("rows"));
            }
            if (rows <= 0) {
                throw new GenpipeException("rows must be a positive number of draws, got " + rows);
            }
        }
        int batchSize = 0;
        if (with.containsKey("batchSize")) {
            Parameters b = ParameterBinder.bind(
                    List.of(BATCH_SIZE),
                    role.label() + " '" + factory.name() + "'",
                    Map.of("batchSize", with.remove("batchSize")),
                    definition.folder());
            long value = b.getLong("batchSize");
            if (value <= 0 || value > Integer.MAX_VALUE) {
                throw new GenpipeException("batchSize must be a positive number of rows, got " + value);
            }
            batchSize = (int) value;
        }
        Component component = genpipe.create(role, factory.name(), with, definition);
        return new ComponentStep(
                s.id(),
                role,
                component,
                rows,
                batchSize,
                role.label() + " '" + factory.name() + "' (plugin '"
                        + factory.plugin().name() + "' "
                        + factory.plugin().descriptor().version() + ")");
    }

    /**
     * The producers of the side values {@code s} reads, each named by one of its parameters; a
     * missing step, or one that does not publish that value with that type, is a problem at the
     * parameter's line.
     */
    private static List<String> sideInputs(
            StepDefinition s,
            BuiltinStep builtin,
            Map<String, StepDefinition> byId,
            Map<String, BuiltinStep> builtins,
            List<Problem> problems) {
        List<String> producers = new ArrayList<>();
        for (SideValue.Input in : builtin.reads()) {
            Object raw = s.with().get(in.parameter());
            Location at = s.parameterLocations().getOrDefault(in.parameter(), s.location());
            if (!(raw instanceof String producer)) {
                if (raw != null) {
                    problems.add(new Problem(
                            at,
                            s.id(),
                            "parameter '" + in.parameter() + "' names the step that publishes" + " the " + in.value()
                                    + " (e.g. " + in.parameter() + ": flag); found " + raw));
                }
                continue; // a missing required parameter is reported by the binder
            }

            List<String> publishers = new ArrayList<>();
            byId.values().forEach(d -> {
                BuiltinStep b = builtins.get(d.use());
                if (b != null
                        && b.publishes().stream().anyMatch(v -> v.name().equals(in.value()) && v.type() == in.type())) {
                    publishers.add(d.id());
                }
            });
            String which = publishers.isEmpty()
                    ? "no step of this pipeline publishes " + in.value() + " ("
                            + in.type().label() + "); flag-quantile does"
                    : "steps publishing " + in.value() + ": " + String.join(", ", publishers);
            StepDefinition target = byId.get(producer);
            if (target == null) {
                String formerly = producer.endsWith("Thresholds") || producer.endsWith("PerClass")
                        ? "; " + in.parameter() + ": names the producing step now, not a metric"
                        : "";
                problems.add(new Problem(
                        at,
                        s.id(),
                        in.parameter() + ": no step '" + producer + "' in this pipeline"
                                + DidYouMean.hint(producer, publishers.isEmpty() ? byId.keySet() : publishers) + " ("
                                + in.parameter()
                                + ": names the step whose " + in.value() + " this step reads; " + which + ")"
                                + formerly));
                continue;
            }
            BuiltinStep b = builtins.get(target.use());
            Optional<SideValue> value = b == null
                    ? Optional.empty()
                    : b.publishes().stream()
                            .filter(v -> v.name().equals(in.value()))
                            .findFirst();
            if (value.isEmpty()) {
                problems.add(new Problem(
                        at,
                        s.id(),
                        in.parameter() + ": step '" + producer + "' (" + target.use() + ") publishes no " + in.value()
                                + " (" + which + ")"));
            } else if (value.get().type() != in.type()) {
                problems.add(new Problem(
                        at,
                        s.id(),
                        in.parameter() + ": step '" + producer + "' publishes " + in.value() + " as a "
                                + value.get().type().label() + ", but this step needs a "
                                + in.type().label()));
            } else if (producer.equals(s.id())) {
                problems.add(new Problem(at, s.id(), in.parameter() + ": a step cannot read its own " + in.value()));
            } else {
                producers.add(producer);
            }
        }
        return producers;
    }

    private static String arity(int min, int max) {
        if (min == max) {
            return min == 0 ? "no inputs" : min == 1 ? "one input" : min + " inputs";
        }
        return min + " to " + max + " inputs";
    }

    /**
     * Step ids with inputs (and the producers of side values a step reads) first; null (and a
     * problem) when the steps form a cycle. Iterative, so a pipeline of any depth is ordered
     * without exhausting the stack.
     */
    private static List<String> topologicalOrder(
            PipelineDefinition definition,
            Map<String, StepDefinition> byId,
            Map<String, List<String>> sideInputs,
            List<Problem> problems) {
        List<String> order = new ArrayList<>();
        Map<String, Integer> state = new HashMap<>(); // 1: on the current path, 2: ordered
        for (StepDefinition start : definition.steps()) {
            if (state.containsKey(start.id())) {
                continue;
            }
            List<String> path = new ArrayList<>();
            List<Integer> next = new ArrayList<>(); // per path entry: index of the next dependency to visit
            path.add(start.id());
            next.add(0);
            state.put(start.id(), 1);
            while (!path.isEmpty()) {
                int top = path.size() - 1;
                String id = path.get(top);
                List<String> deps = dependencies(byId.get(id), sideInputs);
                int i = next.get(top);
                if (i == deps.size()) {
                    state.put(id, 2);
                    order.add(id);
                    path.remove(top);
                    next.remove(top);
                    continue;
                }
                next.set(top, i + 1);
                String dep = deps.get(i);
                if (!byId.containsKey(dep)) {
                    continue;
                }
                Integer st = state.get(dep);
                if (st == null) {
                    state.put(dep, 1);
                    path.add(dep);
                    next.add(0);
                } else if (st == 1) {
                    List<String> cycle = new ArrayList<>(path.subList(path.indexOf(dep), path.size()));
                    cycle.add(dep);
                    problems.add(new Problem(
                            byId.get(cycle.get(0)).location(),
                            cycle.get(0),
                            "steps form a cycle: " + String.join(" -> ", cycle) + "; a pipeline is a DAG"));
                    return null;
                }
            }
        }
        return order;
    }

    private static List<String> dependencies(StepDefinition s, Map<String, List<String>> sideInputs) {
        List<String> side = sideInputs.getOrDefault(s.id(), List.of());
        if (side.isEmpty()) {
            return s.inputs();
        }
        List<String> all = new ArrayList<>(s.inputs());
        all.addAll(side);
        return all;
    }
}
