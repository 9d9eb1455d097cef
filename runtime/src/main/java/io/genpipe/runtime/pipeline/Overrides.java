package io.genpipe.runtime.pipeline;

import io.genpipe.runtime.component.DidYouMean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Applies {@code --set step.param=value} overrides to a read pipeline. */
public final class Overrides {

    private Overrides() {
    }

    /**
     * @param sets each {@code step.param=value}; the value is text, converted by the parameter's type
     * @throws PipelineException naming each override that does not fit the file
     */
    public static PipelineDefinition apply(PipelineDefinition definition, List<String> sets) {
        if (sets.isEmpty()) {
            return definition;
        }
        Map<String, StepDefinition> steps = new LinkedHashMap<>();
        definition.steps().forEach(s -> steps.put(s.id(), s));
        List<Problem> problems = new ArrayList<>();
        Location where = new Location(definition.file(), 0, 0);
        for (String set : sets) {
            int eq = set.indexOf('=');
            int dot = set.indexOf('.');
            if (eq < 0 || dot < 0 || dot > eq) {
                problems.add(new Problem(where, null, "--set " + set + ": expected step.parameter=value, e.g. --set test.limit=100"));
                continue;
            }
            String id = set.substring(0, dot);
            String param = set.substring(dot + 1, eq);
            String value = set.substring(eq + 1);
            StepDefinition s = steps.get(id);
            if (s == null) {
                problems.add(new Problem(where, null, "--set " + set + ": no step '" + id + "'"
                        + DidYouMean.hint(id, steps.keySet()) + " (steps: " + String.join(", ", steps.keySet()) + ")"));
                continue;
            }
            Map<String, Object> with = new LinkedHashMap<>(s.with());
            with.put(param, value);
            steps.put(id, new StepDefinition(s.id(), s.use(), s.inputs(), with, s.location(), s.parameterLocations()));
        }
        if (!problems.isEmpty()) {
            throw new PipelineException(problems);
        }
        return new PipelineDefinition(definition.file(), definition.sha256(), definition.name(), definition.seed(),
                definition.device(), definition.onMissingDevice(), definition.batchSize(), definition.out(),
                new ArrayList<>(steps.values()));
    }
}
