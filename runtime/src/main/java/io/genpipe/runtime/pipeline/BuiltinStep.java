package io.genpipe.runtime.pipeline;

import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.Parameters;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;

/**
 * A built-in step kind: a source, transform, sink or evaluation.
 *
 * @param name what a pipeline's {@code use:} names
 * @param kind source, transform, sink or eval (for listings)
 * @param description one line of help
 * @param parameters what {@code with:} accepts
 * @param minInputs fewest inputs
 * @param maxInputs most inputs
 * @param create builds the step from checked parameters and the pipeline's folder
 * @param outputPaths the string parameters that name files or folders the step writes; each must stay
 *     inside the run's output folder (checked at validation)
 */
public record BuiltinStep(String name, String kind, String description, List<ParameterSpec> parameters, int minInputs,
                          int maxInputs, BiFunction<Parameters, Path, Step> create, List<String> outputPaths) {

    public BuiltinStep {
        parameters = List.copyOf(parameters);
        outputPaths = List.copyOf(outputPaths);
    }

    /** A step that writes no file named by a parameter. */
    public BuiltinStep(String name, String kind, String description, List<ParameterSpec> parameters, int minInputs,
                       int maxInputs, BiFunction<Parameters, Path, Step> create) {
        this(name, kind, description, parameters, minInputs, maxInputs, create, List.of());
    }

    /** This step, declaring the parameters that name what it writes in the output folder. */
    public BuiltinStep writes(String... parameterNames) {
        return new BuiltinStep(name, kind, description, parameters, minInputs, maxInputs, create, List.of(parameterNames));
    }
}
