package io.genpipe.runtime.step;

import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.Parameters;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;

/**
 * A built-in step: a source, transform, sink or evaluation, and how it executes.
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
 * @param execution how a runner executes it (see {@link StepKind})
 * @param computes for a global step: what it aggregates over all rows (or all rows of a class)
 * @param publishes side values it computes for other steps
 * @param reads side values it reads, each through a parameter naming the producing step
 */
public record BuiltinStep(
        String name,
        String kind,
        String description,
        List<ParameterSpec> parameters,
        int minInputs,
        int maxInputs,
        BiFunction<Parameters, Path, Step> create,
        List<String> outputPaths,
        StepKind execution,
        String computes,
        List<SideValue> publishes,
        List<SideValue.Input> reads) {

    public BuiltinStep {
        parameters = List.copyOf(parameters);
        outputPaths = List.copyOf(outputPaths);
        publishes = List.copyOf(publishes);
        reads = List.copyOf(reads);
        if ((execution == StepKind.GLOBAL) != (computes != null)) {
            throw new IllegalArgumentException(
                    "step " + name + ": a global step, and only a global step, says what it computes");
        }
    }

    /**
     * A step whose execution follows from its listing kind: source, sink, transform (row-wise),
     * eval (global); {@link #global} makes a transform global.
     */
    public BuiltinStep(
            String name,
            String kind,
            String description,
            List<ParameterSpec> parameters,
            int minInputs,
            int maxInputs,
            BiFunction<Parameters, Path, Step> create) {
        this(
                name,
                kind,
                description,
                parameters,
                minInputs,
                maxInputs,
                create,
                List.of(),
                switch (kind) {
                    case "source" -> StepKind.SOURCE;
                    case "sink" -> StepKind.SINK;
                    case "eval" -> StepKind.GLOBAL;
                    default -> StepKind.ROW_WISE;
                },
                kind.equals("eval") ? "an evaluation over all rows of its inputs" : null,
                List.of(),
                List.of());
    }

    /** This step, declaring the parameters that name what it writes in the output folder. */
    public BuiltinStep writes(String... parameterNames) {
        return new BuiltinStep(
                name,
                kind,
                description,
                parameters,
                minInputs,
                maxInputs,
                create,
                List.of(parameterNames),
                execution,
                computes,
                publishes,
                reads);
    }

    /** This step as a global one that aggregates {@code what}. */
    public BuiltinStep global(String what) {
        return new BuiltinStep(
                name,
                kind,
                description,
                parameters,
                minInputs,
                maxInputs,
                create,
                outputPaths,
                StepKind.GLOBAL,
                what,
                publishes,
                reads);
    }

    /** This step, publishing {@code values} for other steps. */
    public BuiltinStep publishes(SideValue... values) {
        return new BuiltinStep(
                name,
                kind,
                description,
                parameters,
                minInputs,
                maxInputs,
                create,
                outputPaths,
                execution,
                computes,
                List.of(values),
                reads);
    }

    /** This step, reading side values through the given parameters. */
    public BuiltinStep reads(SideValue.Input... inputs) {
        return new BuiltinStep(
                name,
                kind,
                description,
                parameters,
                minInputs,
                maxInputs,
                create,
                outputPaths,
                execution,
                computes,
                publishes,
                List.of(inputs));
    }
}
