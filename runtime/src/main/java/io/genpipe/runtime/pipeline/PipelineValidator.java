package io.genpipe.runtime.pipeline;

import io.genpipe.api.Component;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.Role;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.component.DidYouMean;
import io.genpipe.runtime.component.ParameterBinder;
import io.genpipe.runtime.component.ParameterException;
import io.genpipe.runtime.component.RegisteredFactory;
import java.util.ArrayList;
import java.util.HashMap;
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

    private static final ParameterSpec ROWS = ParameterSpec.optional("rows", ParameterType.INTEGER, null,
            "for a sampler with no input: how many draws to make");
    private static final ParameterSpec BATCH_SIZE = ParameterSpec.optional("batchSize", ParameterType.INTEGER, null,
            "rows per call of this component (micro-batching), whatever the pipeline's batchSize");

    private final Genpipe genpipe;

    public PipelineValidator(Genpipe genpipe) {
        this.genpipe = genpipe;
    }

    /**
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
        Map<String, BuiltinStep> builtins = BuiltinSteps.all();
        Map<String, Step> built = new LinkedHashMap<>();
        Map<String, String> kinds = new HashMap<>();

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
                problems.add(new Problem(s.location(), s.id(), "unknown component or step '" + s.use() + "'"
                        + DidYouMean.hint(s.use(), known) + " (built-in steps: " + String.join(", ", builtins.keySet())
                        + "; components: " + String.join(", ", known.subList(builtins.size(), known.size())) + ")"));
                continue;
            }
            for (String input : s.inputs()) {
                if (!byId.containsKey(input)) {
                    problems.add(new Problem(s.location(), s.id(), "input '" + input + "' is not a step of this pipeline"
                            + DidYouMean.hint(input, byId.keySet()) + " (steps: " + String.join(", ", byId.keySet()) + ")"));
                }
            }
            if (s.inputs().size() < min || s.inputs().size() > max) {
                String what = builtin != null ? "built-in step '" + s.use() + "'"
                        : component.get().factory().role().label() + " '" + s.use() + "'";
                problems.add(new Problem(s.location(), s.id(), what + " takes " + arity(min, max) + ", got "
                        + s.inputs().size() + (s.inputs().isEmpty() ? "" : " " + s.inputs())));
            }
            boolean connected = problems.size() == before;
            try {
                if (builtin != null) {
                    Parameters p = ParameterBinder.bind(builtin.parameters(), "built-in step '" + builtin.name() + "'",
                            s.with(), definition.folder());
                    OutputPaths.check(p, builtin.outputPaths(), "built-in step '" + builtin.name() + "'");
                    Step step = builtin.create().apply(p, definition.folder());
                    if (connected) {
                        built.put(s.id(), step);
                        kinds.put(s.id(), builtin.kind());
                    }
                } else {
                    Step step = component(s, component.get(), definition);
                    if (connected) {
                        built.put(s.id(), step);
                        kinds.put(s.id(), component.get().factory().role().label());
                    }
                }
            } catch (ParameterException e) {
                for (int i = 0; i < e.problems().size(); i++) {
                    Object value = s.with().get(e.parameters().get(i));
                    if (value instanceof String && ((String) value).contains("${")) {
                        continue; // the reader already reported the variable it could not resolve
                    }
                    Location at = s.parameterLocations().getOrDefault(e.parameters().get(i), s.location());
                    problems.add(new Problem(at, s.id(), e.problems().get(i)));
                }
            } catch (GenpipeException e) {
                problems.add(new Problem(s.location(), s.id(), e.getMessage()));
            }
        }

        List<String> order = topologicalOrder(definition, byId, problems);
        Map<String, List<PortSpec>> ports = new HashMap<>();
        Map<String, List<String>> consumers = new LinkedHashMap<>();
        definition.steps().forEach(s -> consumers.put(s.id(), new ArrayList<>()));
        List<PipelinePlan.Planned> planned = new ArrayList<>();
        if (order != null) {
            for (String id : order) {
                StepDefinition s = byId.get(id);
                s.inputs().stream().filter(consumers::containsKey).forEach(in -> consumers.get(in).add(id));
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
                    planned.add(new PipelinePlan.Planned(s, kinds.get(id), step, out, consumers.get(id)));
                } catch (GenpipeException e) {
                    String message = e.getMessage();
                    if (s.inputs().size() == 1) {
                        message = message.replace("its input 'input'", "its input '" + s.inputs().get(0) + "'")
                                .replace("(from step 'input')", "(from step '" + s.inputs().get(0) + "')");
                    }
                    problems.add(new Problem(s.location(), id, message));
                }
            }
        }
        if (!problems.isEmpty()) {
            problems.sort(java.util.Comparator.comparingInt((Problem p) -> p.location().line())
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
            Parameters r = ParameterBinder.bind(List.of(ROWS), factory.factory().role().label() + " '" + factory.name() + "'",
                    Map.of("rows", with.remove("rows")), definition.folder());
            rows = r.getLong("rows");
            if (rows <= 0) {
                throw new GenpipeException("rows must be a positive number of draws, got " + rows);
            }
        }
        int batchSize = 0;
        if (with.containsKey("batchSize")) {
            Parameters b = ParameterBinder.bind(List.of(BATCH_SIZE), role.label() + " '" + factory.name() + "'",
                    Map.of("batchSize", with.remove("batchSize")), definition.folder());
            long value = b.getLong("batchSize");
            if (value <= 0 || value > Integer.MAX_VALUE) {
                throw new GenpipeException("batchSize must be a positive number of rows, got " + value);
            }
            batchSize = (int) value;
        }
        Component component = genpipe.create(role, factory.name(), with);
        return new ComponentStep(s.id(), role, component, rows, batchSize);
    }

    private static String arity(int min, int max) {
        if (min == max) {
            return min == 0 ? "no inputs" : min == 1 ? "one input" : min + " inputs";
        }
        return min + " to " + max + " inputs";
    }

    /** Step ids with inputs first; null (and a problem) when the steps form a cycle. */
    private static List<String> topologicalOrder(PipelineDefinition definition, Map<String, StepDefinition> byId,
                                                 List<Problem> problems) {
        List<String> order = new ArrayList<>();
        Map<String, Integer> state = new HashMap<>();
        for (StepDefinition s : definition.steps()) {
            List<String> path = new ArrayList<>();
            if (!visit(s.id(), byId, state, order, path)) {
                int start = path.indexOf(path.get(path.size() - 1));
                List<String> cycle = path.subList(start, path.size());
                problems.add(new Problem(byId.get(cycle.get(0)).location(), cycle.get(0),
                        "steps form a cycle: " + String.join(" -> ", cycle) + "; a pipeline is a DAG"));
                return null;
            }
        }
        return order;
    }

    private static boolean visit(String id, Map<String, StepDefinition> byId, Map<String, Integer> state,
                                 List<String> order, List<String> path) {
        Integer st = state.get(id);
        path.add(id);
        if (st != null && st == 2) {
            path.remove(path.size() - 1);
            return true;
        }
        if (st != null && st == 1) {
            return false;
        }
        state.put(id, 1);
        for (String in : byId.get(id).inputs()) {
            if (byId.containsKey(in) && !visit(in, byId, state, order, path)) {
                return false;
            }
        }
        state.put(id, 2);
        order.add(id);
        path.remove(path.size() - 1);
        return true;
    }
}
