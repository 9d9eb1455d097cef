package io.genpipe.runtime.pipeline;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One step as written in a pipeline file.
 *
 * @param id unique name other steps refer to
 * @param use a component or built-in step name
 * @param inputs ids of the steps whose output this step reads
 * @param with parameter values, as read (strings, numbers, booleans, lists)
 * @param location where the step starts
 * @param parameterLocations where each parameter is written
 * @param steps the chain of steps a loop ({@code refill}) runs each round, as written under its {@code steps:};
 *     empty for every other step
 */
public record StepDefinition(
        String id,
        String use,
        List<String> inputs,
        Map<String, Object> with,
        Location location,
        Map<String, Location> parameterLocations,
        List<StepDefinition> steps) {

    public StepDefinition {
        inputs = List.copyOf(inputs);
        with = Collections.unmodifiableMap(new LinkedHashMap<>(with));
        parameterLocations = Map.copyOf(parameterLocations);
        steps = List.copyOf(steps);
    }

    /** A step without a chain of its own. */
    public StepDefinition(
            String id,
            String use,
            List<String> inputs,
            Map<String, Object> with,
            Location location,
            Map<String, Location> parameterLocations) {
        this(id, use, inputs, with, location, parameterLocations, List.of());
    }

    /** This step with other inputs and parameters. */
    public StepDefinition with(List<String> newInputs, Map<String, Object> newWith) {
        return new StepDefinition(id, use, newInputs, newWith, location, parameterLocations, steps);
    }

    /** This step with another id and chain. */
    public StepDefinition renamed(String newId, List<StepDefinition> newSteps) {
        return new StepDefinition(newId, use, inputs, with, location, parameterLocations, newSteps);
    }
}
