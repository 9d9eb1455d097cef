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
 */
public record StepDefinition(
        String id,
        String use,
        List<String> inputs,
        Map<String, Object> with,
        Location location,
        Map<String, Location> parameterLocations) {

    public StepDefinition {
        inputs = List.copyOf(inputs);
        with = Collections.unmodifiableMap(new LinkedHashMap<>(with));
        parameterLocations = Map.copyOf(parameterLocations);
    }
}
